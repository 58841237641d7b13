using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using EdgeBench.Telemetry.Linux;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>One case's memory columns (MiB) and, where one is missing, why.</summary>
internal sealed record CaseMemoryRecord(double? PeakRssMib, double? ModelRssMib, double? ModelFileMib, string? Note);

/// <summary>
/// Memory per case: the process's peak resident memory while the case ran (VmHWM, reset through
/// <c>/proc/self/clear_refs</c> when the case starts and again when its setup is done, so that building a pipeline,
/// which only the first case of a configuration does, does not count), what the pipeline added when it was built, and
/// the model file's size. The case's setup reports its model (<see cref="SetModel"/>); <see cref="Recorder"/>, an event
/// processor that sees BenchmarkDotNet's case, resets and reads the peak around it and records all three under the
/// case's method key, in memory and in <c>memory.jsonl</c> in the run folder, for <see cref="ResultRows"/>.
/// </summary>
/// <remarks>
/// Only an in-process toolchain (the edge and scenario jobs) runs the case in this process; under an out-of-process
/// <c>--job</c> this process's VmHWM says nothing about the case, and the columns stay empty.
/// </remarks>
internal static class CaseMemory
{
    public const string FileName = "memory.jsonl";

    private static readonly RunFolderRecords<CaseMemoryRecord> s_records = new(FileName);
    private static readonly Lock s_lock = new();
    private static double? s_modelRssMib;
    private static double? s_modelFileMib;
    private static string? s_resetFailure;

    public static void Clear() => s_records.Clear();

    public static CaseMemoryRecord? For(string key, string? runDirectory) => s_records.For(key, runDirectory);

    /// <summary>Setup is done: the peak restarts here, so the case's row is what its measured calls held.</summary>
    public static void SetupDone()
    {
        lock (s_lock)
        {
            s_resetFailure = ProcessMemory.ResetPeak();
        }
    }

    /// <summary>The running case's model: RSS its pipeline added when built (null when not measured) and its file size.</summary>
    public static void SetModel(double? modelRssMib, long modelFileBytes)
    {
        lock (s_lock)
        {
            s_modelRssMib = modelRssMib;
            s_modelFileMib = modelFileBytes / (1024.0 * 1024.0);
        }
    }

    private static void BeginCase()
    {
        lock (s_lock)
        {
            s_modelRssMib = null;
            s_modelFileMib = null;
            s_resetFailure = ProcessMemory.ResetPeak();
        }
    }

    private static void EndCase(BenchmarkCase benchmarkCase)
    {
        if (benchmarkCase.Job.Infrastructure.Toolchain is not (InProcessEmitToolchain or InProcessNoEmitToolchain))
        {
            return;
        }

        CaseMemoryRecord record;
        lock (s_lock)
        {
            long? peakKib = s_resetFailure is null ? ProcessMemory.ReadSelf().PeakRssKib : null;
            record = new CaseMemoryRecord(ProcessMemoryStatus.ToMib(peakKib), s_modelRssMib, s_modelFileMib, s_resetFailure);
            s_modelRssMib = null;
            s_modelFileMib = null;
        }

        s_records.Record(CaseIdentity.Of(benchmarkCase).MethodKey, record);
    }

    /// <summary>Resets the peak as a case starts and records the case's memory as it ends, before its row is written.</summary>
    internal sealed class Recorder : BenchmarkDotNet.EventProcessors.EventProcessor
    {
        public override void OnStartRunBenchmark(BenchmarkCase benchmarkCase) => BeginCase();

        public override void OnEndRunBenchmark(BenchmarkCase benchmarkCase, BenchmarkReport report) => EndCase(benchmarkCase);
    }
}
