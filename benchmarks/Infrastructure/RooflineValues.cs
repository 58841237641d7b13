using System.Collections.Concurrent;
using EdgeBench.Core;
using EdgeBench.Models.Graph;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using EdgeBench.Reporting.Environment;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// The roofline columns of an inference row: achieved GFLOP/s (the model's FLOPs per frame x frames per second) and
/// that as % of the CPU FMA peak the run measured (environment.json's compute_peak).
/// </summary>
internal static class RooflineValues
{
    /// <summary>
    /// FLOPs per frame by model file (path and write time): a row is built more than once per case (progress line,
    /// then the exporter) and parsing a large model takes a noticeable fraction of a second.
    /// </summary>
    private static readonly ConcurrentDictionary<(string Path, DateTime Written), long?> s_flopsByFile = new();

    /// <summary>
    /// Fills <see cref="ResultRow.AchievedGflops"/> on an inference row with a frame rate, and
    /// <see cref="ResultRow.PeakPct"/> where the run recorded the peak of the case's processor: the CPU's FMA peak for a
    /// CPU case, the GPU GEMM peak of the case's precision (fp16, else fp32) for a GPU case. A model whose FLOPs cannot
    /// be counted leaves both empty.
    /// </summary>
    public static ResultRow Apply(ResultRow row, CaseIdentity id, string? runDirectory)
    {
        if (id.Stage != Categories.Inference || row.Fps is not double fps || fps <= 0)
        {
            return row;
        }

        // An int8 file does the fp32 model's multiply-adds as integer operations: its count is the fp32 file's (the
        // QDQ graph's weights are DequantizeLinear outputs, which the counter cannot size). The peak is the float FMA
        // probe's, which VNNI's int8 rate exceeds, so an int8 row gets no percentage of it.
        bool int8 = id.Precision == Precision.Int8.ToName();
        if (FlopsPerFrame(id.Model, int8 ? Precision.Fp32.ToName() : id.Precision) is not long flops)
        {
            return row;
        }

        double achieved = flops * fps / 1e9;
        bool cpuCase = id.Backend.EndsWith("-cpu", StringComparison.Ordinal);
        double? peak = int8 ? null : cpuCase ? PeakGflops(runDirectory) : GpuPeak(runDirectory)?.For(id.Precision);
        return row with
        {
            AchievedGflops = achieved,
            PeakPct = peak is > 0 ? achieved / peak * 100 : null,
        };
    }

    /// <summary>The model file's FLOPs per frame, or null when it cannot be resolved or counted.</summary>
    internal static long? FlopsPerFrame(string model, string precisionName)
    {
        if (model.Length == 0 || !PrecisionNames.TryParse(precisionName, out Precision precision))
        {
            return null;
        }

        string path;
        try
        {
            path = new ModelStore(ModelStore.DefaultDirectory()).Resolve(model, precision).Path;
        }
        catch (Exception e) when (e is ModelFileException or KeyNotFoundException or IOException or InvalidOperationException)
        {
            return null; // the case itself failed on the same model and says why in its own row
        }

        return s_flopsByFile.GetOrAdd((path, File.GetLastWriteTimeUtc(path)), key =>
        {
            try
            {
                return FlopCounter.CountFile(key.Path).FlopsPerFrame;
            }
            catch (ModelFileException)
            {
                return null; // an op the shape inference does not know: no roofline for this model, rather than a guess
            }
        });
    }

    /// <summary>The run's CPU FMA peak at its thread count, GFLOP/s, from environment.json; null when absent.</summary>
    internal static double? PeakGflops(string? runDirectory) => RunEnvironment(runDirectory)?.ComputePeak?.CpuFmaGflops;

    /// <summary>The run's GPU GEMM peak from environment.json; null when absent.</summary>
    internal static GpuPeak? GpuPeak(string? runDirectory) => RunEnvironment(runDirectory)?.GpuPeak;

    private static EnvironmentInfo? RunEnvironment(string? runDirectory)
    {
        string? path = runDirectory is null ? null : Path.Combine(runDirectory, EnvironmentInfo.FileName);
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        // Every inference row asks (the exporter, the incremental file and the progress line): read the file once.
        return s_environmentByFile.GetOrAdd((path, File.GetLastWriteTimeUtc(path)), key =>
        {
            try
            {
                return EnvironmentInfo.Read(key.Path);
            }
            catch (InvalidDataException)
            {
                return null;
            }
        });
    }

    private static readonly ConcurrentDictionary<(string Path, DateTime Written), EnvironmentInfo?> s_environmentByFile = new();
}
