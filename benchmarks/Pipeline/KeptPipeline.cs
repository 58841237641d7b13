using EdgeBench.Pipeline;
using EdgeBench.Telemetry.Linux;

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
/// The resident memory the pipeline added when it was built is measured here, where it is built, and travels with it
/// to every case that reuses it (edgebench.csv's model_rss_mb).
/// </remarks>
internal static class KeptPipeline
{
    private static readonly Lock s_lock = new();
    private static string? s_key;
    private static IVisionPipeline? s_pipeline;
    private static double? s_addedRssMib;

    /// <summary>
    /// The kept pipeline if it was built for <paramref name="key"/>, else a new one (the kept one is disposed first);
    /// <paramref name="addedRssMib"/> is the resident memory the pipeline added when it was built (null off Linux).
    /// </summary>
    public static IVisionPipeline Take(string key, Func<IVisionPipeline> create, out double? addedRssMib)
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (s_lock)
        {
            if (s_key == key && s_pipeline is { } kept)
            {
                addedRssMib = s_addedRssMib;
                s_key = null;
                s_pipeline = null;
                s_addedRssMib = null;
                return kept;
            }

            DisposeKeptLocked();
        }

        return CreateMeasured(create, out addedRssMib);
    }

    /// <summary>Keeps <paramref name="pipeline"/> for the next case of <paramref name="key"/> (replacing any other).</summary>
    public static void Keep(string key, IVisionPipeline pipeline, double? addedRssMib)
    {
        lock (s_lock)
        {
            if (!ReferenceEquals(s_pipeline, pipeline))
            {
                DisposeKeptLocked();
            }

            s_key = key;
            s_pipeline = pipeline;
            s_addedRssMib = addedRssMib;
        }
    }

    /// <summary>
    /// Builds the pipeline and measures VmRSS around it. The earlier pipeline's memory is handed back first (a full
    /// collection, and glibc's free heap returned to the kernel): otherwise the new session would reuse pages the old
    /// one freed but the allocator kept, and the difference would read near zero.
    /// </summary>
    private static IVisionPipeline CreateMeasured(Func<IVisionPipeline> create, out double? addedRssMib)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ProcessMemory.TrimNativeHeap();
        long? before = ProcessMemory.ReadSelf().RssKib;
        IVisionPipeline pipeline = create();
        long? after = ProcessMemory.ReadSelf().RssKib;
        addedRssMib = ProcessMemoryStatus.ToMib(after - before);
        return pipeline;
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
        s_addedRssMib = null;
    }
}
