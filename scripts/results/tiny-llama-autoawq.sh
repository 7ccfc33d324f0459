#!/usr/bin/env bash
# FP16 vs RTN vs AWQ (W4/W3, g128) on ../shared/models/tiny-llama-autoawq/fp16: a random 2-layer Llama
# (hidden 256) with planted activation outliers. It has no tokenizer; its vocabulary (512) is the size
# of stories260K's, so that tokenizer is used to calibrate on calib.txt and score eval.txt (a random
# model: the perplexities are high; what matters is RTN vs AWQ).
# Usage: scripts/results/tiny-llama-autoawq.sh [OUT_DIR]   (from the repository root)
set -euo pipefail
out=${1:-/tmp/awq-results}
src=../shared/models/tiny-llama-autoawq/fp16
[ -d "$src" ] || { echo "needs $src" >&2; exit 1; }
mkdir -p "$out"
dotnet build src/AwqSharp.Cli -c Release -v q -nologo > /dev/null
awq() { dotnet src/AwqSharp.Cli/bin/Release/net10.0/awq.dll "$@"; }
m="$out/tiny-llama"
rm -rf "$m" "$out/tok"; mkdir -p "$m"
cp "$src"/* "$m"/
awq import llama2c --checkpoint demo/stories260K/stories260K.bin --tokenizer demo/stories260K/tok512.bin --out "$out/tok" > /dev/null
cp "$out/tok/tokenizer.json" "$out/tok/tokenizer_config.json" "$m"/
ppl() { awq eval --model "$1" --data demo/tinystories/eval.txt --seqlen 256 --max-windows 200 --json 2>/dev/null | tail -1 | python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["perplexity"])'; }
echo "| model | bits | group | method | eval.txt ppl (200 x 256) | quantize s |"
echo "|---|---|---|---|---|---|"
echo "| tiny-llama-autoawq fp16 | 16 | - | FP16 | $(ppl "$m") | - |"
for bits in 4 3; do
  for method in rtn awq; do
    q="$out/tiny-$method-w$bits"
    j=$(awq quantize --model "$m" --out "$q" --method $method --bits $bits --group-size 128 --calib demo/tinystories/calib.txt --calib-samples 64 --calib-seqlen 256 --json 2>/dev/null | tail -1)
    secs=$(echo "$j" | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["seconds"])')
    echo "| tiny-llama-autoawq | $bits | 128 | ${method^^} | $(ppl "$q") | $secs |"
  done
done
