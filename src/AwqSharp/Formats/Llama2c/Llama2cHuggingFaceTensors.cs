using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using AwqSharp.Formats.Safetensors;

namespace AwqSharp.Formats.Llama2c;

/// <summary>
/// The safetensors tensors of the HuggingFace Llama model a llama2.c checkpoint becomes: HF names and order, q/k rows
/// permuted to HF's RoPE layout, w1/w3/w2 as gate/up/down, the classifier as lm_head only when it is not shared, RoPE
/// tables dropped. Each tensor is read, permuted and converted only when the writer asks for it, into buffers reused
/// from one tensor to the next, so memory stays at about three copies of the largest tensor whatever the model size.
/// </summary>
internal static class Llama2cHuggingFaceTensors
{
    /// <summary>
    /// The tensors to hand to <see cref="SafetensorsWriter.Write"/>. The data a tensor produces is valid only until the
    /// next tensor's is produced (the writer writes each before asking for the next).
    /// </summary>
    public static List<SafetensorsTensor> Plan(Llama2cTensorReader reader, SafetensorsDType dtype, IProgress<string>? progress)
    {
        var config = reader.Layout.Config;
        var scratch = new Scratch();
        var list = new List<SafetensorsTensor>();
        void Add(string name, Llama2cTensor source, int layer, int permuteHeads = 0)
        {
            var block = reader.Layout[source];
            long[] shape = block.Rows == 1 ? [block.Cols] : [block.Rows, block.Cols];
            list.Add(new SafetensorsTensor(name, dtype, shape, () =>
            {
                progress?.Report(name);
                return scratch.Produce(reader, block, layer, permuteHeads, dtype);
            }));
        }

        Add("model.embed_tokens.weight", Llama2cTensor.TokenEmbedding, 0);
        for (int l = 0; l < config.NumLayers; l++)
        {
            string p = $"model.layers.{l}.";
            Add(p + "input_layernorm.weight", Llama2cTensor.AttentionNorm, l);
            Add(p + "self_attn.q_proj.weight", Llama2cTensor.Wq, l, permuteHeads: config.NumHeads);
            Add(p + "self_attn.k_proj.weight", Llama2cTensor.Wk, l, permuteHeads: config.NumKvHeads);
            Add(p + "self_attn.v_proj.weight", Llama2cTensor.Wv, l);
            Add(p + "self_attn.o_proj.weight", Llama2cTensor.Wo, l);
            Add(p + "post_attention_layernorm.weight", Llama2cTensor.FfnNorm, l);
            Add(p + "mlp.gate_proj.weight", Llama2cTensor.W1, l);
            Add(p + "mlp.up_proj.weight", Llama2cTensor.W3, l);
            Add(p + "mlp.down_proj.weight", Llama2cTensor.W2, l);
        }
        Add("model.norm.weight", Llama2cTensor.FinalNorm, 0);
        if (!config.SharedClassifier) Add("lm_head.weight", Llama2cTensor.Classifier, 0);
        return list;
    }

    /// <summary>Read, permute and convert buffers, grown to the largest tensor and reused.</summary>
    private sealed class Scratch
    {
        private byte[] _raw = [], _permuted = [], _converted = [];

        public ReadOnlyMemory<byte> Produce(Llama2cTensorReader reader, Llama2cBlock block, int layer, int permuteHeads, SafetensorsDType dtype)
        {
            long elements = block.ElementsPerLayer;
            if (elements * sizeof(float) > Array.MaxLength)
                throw new UnsupportedModelException($"{reader.Path}: tensor {block.Tensor} has {elements} elements, more than one buffer holds");
            int n = (int)elements, bytes = n * sizeof(float);
            Grow(ref _raw, bytes);
            reader.Read(block.Tensor, layer, _raw.AsSpan(0, bytes));
            byte[] values = _raw;
            if (permuteHeads > 0)
            {
                Grow(ref _permuted, bytes);
                RopeRowPermutation.InterleavedToHalfSplit(Floats(_raw, n), MemoryMarshal.Cast<byte, float>(_permuted.AsSpan(0, bytes)), permuteHeads, block.Cols);
                values = _permuted;
            }
            if (dtype == SafetensorsDType.F32) return values.AsMemory(0, bytes);

            Grow(ref _converted, n * 2);
            var source = Floats(values, n);
            if (dtype == SafetensorsDType.F16)
            {
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(_converted.AsSpan(0, n * 2)));
            }
            else
            {
                var destination = MemoryMarshal.Cast<byte, ushort>(_converted.AsSpan(0, n * 2));
                for (int i = 0; i < n; i++) destination[i] = ElementConversion.Float32ToBFloat16(source[i]);
            }
            return _converted.AsMemory(0, n * 2);
        }

        private static ReadOnlySpan<float> Floats(byte[] buffer, int count) => MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, count * sizeof(float)));

        private static void Grow(ref byte[] buffer, int size)
        {
            if (buffer.Length < size) buffer = GC.AllocateUninitializedArray<byte>(size);
        }
    }
}
