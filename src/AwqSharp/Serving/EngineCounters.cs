namespace AwqSharp.Serving;

/// <summary>A snapshot of what an <see cref="InferenceEngine"/> is doing and has done since it started.</summary>
/// <param name="Queued">Requests waiting for a slot.</param>
/// <param name="Running">Requests prefilling or decoding.</param>
/// <param name="Completed">Requests that generated to the end (stop or length).</param>
/// <param name="Cancelled">Requests cancelled by their caller (e.g. a client that disconnected) or by shutdown.</param>
/// <param name="Failed">Requests that ended with an error.</param>
/// <param name="GeneratedTokens">Tokens sampled over all requests.</param>
/// <param name="DecodeSteps">Batched forward passes of the decode loop.</param>
/// <param name="PeakBatch">Most sequences one decode step has advanced together.</param>
public sealed record EngineCounters(int Queued, int Running, long Completed, long Cancelled, long Failed, long GeneratedTokens, long DecodeSteps, int PeakBatch);
