using EdgeBench.Pipeline;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// One pipeline kept from a case to the next case of the same configuration (model file, backend, batch, threads,
/// frame size). A configuration has up to ten cases (four stages, three baselines, end to end, two scenarios) and
/// each built its own session: for the default suite on 2 cores, minutes of session creation (graph optimisation,
/// weight packing; a TorchSharp module's weights) that measured nothing. <see cref="Infrastructure.CaseExecutionOrderer"/> runs a
/// configuration's cases back to back, so one slot is enough and memory stays that of one pipeline.
/// </summary>
/// <remarks>
/// Only a case that ended normally hands its pipeline on; a failed setup disposes it. What a case leaves in the
/// pipeline (tensor contents, outputs) is rewritten by the next case's setup before anything is timed.
/// </remarks>
internal static class KeptPipeline
{
    private static readonly Lock s_lock = new();
    private static string? s_key;
    private static IVisionPipeline? s_pipeline;

    /// <summary>The kept pipeline if it was built for <paramref name="key"/>, else a new one (the kept one is disposed).</summary>
    public static IVisionPipeline Take(string key, Func<IVisionPipeline> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (s_lock)
        {
            if (s_key == key && s_pipeline is { } kept)
            {
                s_key = null;
                s_pipeline = null;
                return kept;
            }

            DisposeKeptLocked();
        }

        return create();
    }

    /// <summary>Keeps <paramref name="pipeline"/> for the next case of <paramref name="key"/> (replacing any other).</summary>
    public static void Keep(string key, IVisionPipeline pipeline)
    {
        lock (s_lock)
        {
            if (!ReferenceEquals(s_pipeline, pipeline))
            {
                DisposeKeptLocked();
            }

            s_key = key;
            s_pipeline = pipeline;
        }
    }

    /// <summary>Disposes the kept pipeline; the run's end calls it (<see cref="Infrastructure.EdgeBenchConfig"/>).</summary>
    public static void Release()
    {
        lock (s_lock)
        {
            DisposeKeptLocked();
        }
    }

    private static void DisposeKeptLocked()
    {
        s_pipeline?.Dispose();
        s_pipeline = null;
        s_key = null;
    }
}
