using System.Diagnostics;
using EdgeBench.Core;
using EdgeBench.Models.Graph;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBench.Inference.OnnxRuntime.Probes;

/// <summary>One precision's GEMM throughput: the best repeat (the peak), the median and the spread, GFLOP/s.</summary>
public sealed record GpuGemmMeasurement(Precision Precision, double BestGflops, double MedianGflops, double SpreadPct, int RunsPerRepeat);

/// <summary>
/// The GPU's matrix peak as the cases can reach it: a square fp32 and fp16 GEMM (<see cref="GemmModel"/>) run through
/// ONNX Runtime's CUDA provider with the same provider options as the inference cases (so the same math mode: ONNX
/// Runtime's default lets cuBLAS use TF32 tensor cores for fp32 on Ampere and later, as PyTorch's convolutions do).
/// </summary>
/// <remarks>
/// Inputs are bound once from host memory (ONNX Runtime copies them to the device when they are bound) and the output
/// is bound to device memory, so a run is the GEMM and nothing else; the operands are small integers so no value is
/// denormal or infinite. One untimed run first (cuBLAS picks its kernel, the allocator grows), then
/// <c>repeats</c> repeats of as many back-to-back runs as fill <c>repeatTime</c>, each repeat closed by a
/// wait on the output. n = 4096 is 137 GFLOP per run: long enough on any current GPU that the launch overhead (a few
/// microseconds) is noise, small enough (3 x 64 MiB fp32) for a Jetson's shared memory.
/// </remarks>
public static class GpuGemmProbe
{
    public const int DefaultSize = 4096;

    /// <summary>
    /// Measures fp32 then fp16 on the CUDA provider with <paramref name="caseOptions"/>' device and CUDA options (the
    /// math mode of the cases: <c>use_tf32</c> among them); raises <see cref="ProviderUnavailableException"/> without a
    /// usable CUDA provider.
    /// </summary>
    public static IReadOnlyList<GpuGemmMeasurement> Measure(OrtBackendOptions caseOptions, int n = DefaultSize, int repeats = 5, TimeSpan? repeatTime = null)
    {
        ArgumentNullException.ThrowIfNull(caseOptions);
        var options = new OrtBackendOptions { Provider = OrtExecutionProvider.Cuda, DeviceId = caseOptions.DeviceId, CudaOptions = caseOptions.CudaOptions };
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        OrtNativeLibrary.EnsureConfigured();
        if (OrtProviders.Unavailability(OrtExecutionProvider.Cuda) is { } reason)
        {
            throw new ProviderUnavailableException(reason);
        }

        TimeSpan perRepeat = repeatTime ?? TimeSpan.FromSeconds(0.2);
        return [Measure(options, n, Precision.Fp32, repeats, perRepeat), Measure(options, n, Precision.Fp16, repeats, perRepeat)];
    }

    private static GpuGemmMeasurement Measure(OrtBackendOptions options, int n, Precision precision, int repeats, TimeSpan repeatTime)
    {
        int deviceId = options.DeviceId;
        using var sessionOptions = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        OrtProviders.Append(sessionOptions, options, engineCacheDirectory: null);
        using var session = new InferenceSession(GemmModel.Build(n, precision), sessionOptions);
        using var deviceMemory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, deviceId, OrtMemType.Default);
        long[] shape = [n, n];
        using OrtValue a = HostOperand(precision, n, seed: 1, shape);
        using OrtValue b = HostOperand(precision, n, seed: 2, shape);
        using OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput(GemmModel.InputA, a);
        binding.BindInput(GemmModel.InputB, b);
        binding.BindOutputToDevice(GemmModel.Output, deviceMemory);
        using var runOptions = new RunOptions();

        session.RunWithBinding(runOptions, binding);
        binding.SynchronizeBoundOutputs();
        // Runs per repeat from one timed run, so a repeat lasts about repeatTime whatever the GPU.
        long start = Stopwatch.GetTimestamp();
        session.RunWithBinding(runOptions, binding);
        binding.SynchronizeBoundOutputs();
        double oneRun = Stopwatch.GetElapsedTime(start).TotalSeconds;
        int runs = (int)Math.Clamp(repeatTime.TotalSeconds / Math.Max(oneRun, 1e-6), 1, 10_000);

        double[] gflops = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            start = Stopwatch.GetTimestamp();
            for (int i = 0; i < runs; i++)
            {
                session.RunWithBinding(runOptions, binding);
            }

            binding.SynchronizeBoundOutputs();
            gflops[r] = GemmModel.Flops(n) * runs / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
        }

        double[] sorted = [.. gflops.Order()];
        double best = sorted[^1];
        return new GpuGemmMeasurement(precision, best, sorted[sorted.Length / 2], (best - sorted[0]) / best * 100, runs);
    }

    /// <summary>Small integers (-2..2) from a fixed sequence: exact in fp16, no denormals, sums far from overflow.</summary>
    private static OrtValue HostOperand(Precision precision, int n, int seed, long[] shape)
    {
        int count = n * n;
        if (precision == Precision.Fp16)
        {
            var half = new Float16[count];
            for (int i = 0; i < count; i++)
            {
                half[i] = (Float16)(float)(((i * 7) + seed) % 5 - 2);
            }

            return OrtValue.CreateTensorValueFromMemory(half, shape);
        }

        var single = new float[count];
        for (int i = 0; i < count; i++)
        {
            single[i] = ((i * 7) + seed) % 5 - 2;
        }

        return OrtValue.CreateTensorValueFromMemory(single, shape);
    }
}
