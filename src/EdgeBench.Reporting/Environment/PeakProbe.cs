using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeBench.Reporting.Environment;

/// <summary>
/// The device's measured peaks, recorded once per run in environment.json: what % of peak on an inference row is
/// relative to. See <see cref="PeakProbe"/> for the method.
/// </summary>
public sealed record ComputePeak
{
    /// <summary>The vector instructions the FMA loop ran: avx512, avx2-fma, neon or scalar.</summary>
    public string CpuIsa { get; init; } = string.Empty;

    /// <summary>fp32 lanes per FMA instruction (16 for AVX-512, 8 for AVX2, 4 for NEON, 1 scalar).</summary>
    public int CpuVectorLanes { get; init; }

    /// <summary>Threads the FMA loop ran on at once: the run's thread count (--threads, else one per logical core).</summary>
    public int CpuThreads { get; init; }

    /// <summary>fp32 FMA throughput at <see cref="CpuThreads"/>, GFLOP/s (one FMA = 2 FLOPs): the best repeat.</summary>
    public double CpuFmaGflops { get; init; }

    /// <summary>The median repeat at <see cref="CpuThreads"/>.</summary>
    public double CpuFmaGflopsMedian { get; init; }

    /// <summary>(best - worst) / best over the repeats at <see cref="CpuThreads"/>, %.</summary>
    public double CpuFmaSpreadPct { get; init; }

    /// <summary>The best repeat on one thread, GFLOP/s (per-core peak).</summary>
    public double CpuFmaGflopsOneThread { get; init; }

    /// <summary>
    /// Large-buffer copy at <see cref="CpuThreads"/>, GB/s (10^9 bytes) counting bytes read plus bytes written, as STREAM's
    /// Copy does: the best repeat.
    /// </summary>
    public double MemoryCopyGbps { get; init; }

    /// <summary>(best - worst) / best over the copy repeats, %.</summary>
    public double MemoryCopySpreadPct { get; init; }

    /// <summary>Repeats per measurement and the length of each, seconds.</summary>
    public int Repeats { get; init; }

    public double RepeatSeconds { get; init; }

    /// <summary>How the figures were measured, in one sentence a reader of environment.json can check.</summary>
    public string Method { get; init; } = string.Empty;

    /// <summary>Why no GPU peak is recorded.</summary>
    public string Gpu { get; init; } = string.Empty;
}

/// <summary>
/// Measures the CPU's fp32 FMA peak and memory copy bandwidth in about a second and a half.
/// </summary>
/// <remarks>
/// <para>FMA: each thread runs <see cref="Accumulators"/> independent chains <c>x = x * a + b</c> of the widest FMA
/// the CPU has (Vector512 with AVX-512F, Vector256 with AVX2+FMA, Vector128 with AdvSimd on arm64). Twelve chains
/// cover FMA latency (4-5 cycles) times the FMA ports (2) of current cores, so the loop is throughput-bound; each
/// chain's next value depends on its last, so the JIT can neither hoist nor drop the work, and the result is returned
/// and consumed. a and b come from the caller, so nothing is constant-folded. Threads start together (a barrier)
/// and each runs the loop in chunks until the repeat's time is up; the repeat's figure is all threads' FLOPs over
/// the time from the first start to the last finish. Repeats: the best is the peak (what the machine can do when
/// nothing else interferes); the median and spread say how steady it was.</para>
/// <para>Memory: <see cref="CopyBufferBytes"/> (beyond the last-level cache of the devices this suite targets)
/// copied with memmove, split among the threads; read plus written bytes per second, best of the repeats after one
/// untimed copy that faults the pages in.</para>
/// </remarks>
public static class PeakProbe
{
    /// <summary>Independent FMA chains per thread.</summary>
    public const int Accumulators = 12;

    /// <summary>Source and destination size of the copy measurement.</summary>
    public const int CopyBufferBytes = 64 << 20;

    /// <summary>Default repeats per measurement.</summary>
    public const int DefaultRepeats = 5;

    /// <summary>Default length of one repeat: 5 x 0.1 s per thread count.</summary>
    public static readonly TimeSpan DefaultRepeatTime = TimeSpan.FromMilliseconds(100);

    /// <summary>Loop iterations between two clock reads (a fraction of a millisecond at any current clock).</summary>
    private const long ChunkIterations = 20_000;

    private const string GpuSkipped = "not measured: the run has no GPU backend";

    /// <summary>The instruction set the FMA loop uses on this machine.</summary>
    public static (string Isa, int Lanes) FmaIsa =>
        Avx512F.IsSupported ? ("avx512", Vector512<float>.Count)
        : Fma.IsSupported && Avx2.IsSupported ? ("avx2-fma", Vector256<float>.Count)
        : AdvSimd.IsSupported ? ("neon", Vector128<float>.Count)
        : ("scalar", 1);

    /// <summary>Measures the peaks at <paramref name="threads"/> threads (and on one thread).</summary>
    public static ComputePeak Measure(int threads, int repeats = DefaultRepeats, TimeSpan? repeatTime = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        TimeSpan time = repeatTime ?? DefaultRepeatTime;
        (string isa, int lanes) = FmaIsa;

        double[] oneThread = Repeat(repeats, () => FmaGflops(1, time));
        double[] allThreads = threads == 1 ? oneThread : Repeat(repeats, () => FmaGflops(threads, time));
        double[] copy = CopyGbps(threads, repeats, time);
        (double best, double median, double spread) = Summarize(allThreads);
        (double copyBest, _, double copySpread) = Summarize(copy);
        return new ComputePeak
        {
            CpuIsa = isa,
            CpuVectorLanes = lanes,
            CpuThreads = threads,
            CpuFmaGflops = best,
            CpuFmaGflopsMedian = median,
            CpuFmaSpreadPct = spread,
            CpuFmaGflopsOneThread = Summarize(oneThread).Best,
            MemoryCopyGbps = copyBest,
            MemoryCopySpreadPct = copySpread,
            Repeats = repeats,
            RepeatSeconds = time.TotalSeconds,
            Method = $"fp32 FMA: {Accumulators} independent {isa} FMA chains per thread on 1 and {threads} thread(s), {repeats} repeats of " +
                $"{time.TotalSeconds:0.###} s each, best repeat (2 FLOPs per lane per FMA); copy: {CopyBufferBytes >> 20} MiB memmove split " +
                $"over {threads} thread(s), read+written bytes per second, best of {repeats}",
            Gpu = GpuSkipped,
        };
    }

    /// <summary>Best, median and (best - worst) / best in % of repeated throughput figures.</summary>
    public static (double Best, double Median, double SpreadPct) Summarize(IReadOnlyList<double> samples)
    {
        ArgumentOutOfRangeException.ThrowIfZero(samples.Count);
        double[] sorted = samples.Order().ToArray();
        double best = sorted[^1];
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return (best, median, best > 0 ? (best - sorted[0]) / best * 100 : 0);
    }

    /// <summary>FLOPs of one call of the FMA loop: iterations x chains x lanes x 2.</summary>
    public static long FlopsPerCall(long iterations, int lanes) => iterations * Accumulators * lanes * 2;

    private static double[] Repeat(int repeats, Func<double> measure) => Enumerable.Range(0, repeats).Select(_ => measure()).ToArray();

    /// <summary>One repeat on <paramref name="threads"/> threads: GFLOP/s.</summary>
    private static double FmaGflops(int threads, TimeSpan time)
    {
        int lanes = FmaIsa.Lanes;
        var flops = new long[threads];
        var starts = new long[threads];
        var ends = new long[threads];
        // Slightly below 1 and a small addend: the chains converge to b / (1 - a) and never overflow or go denormal.
        float[] coefficients = [0.999f, 0.001f];
        using var ready = new Barrier(threads);
        long limit = (long)(time.TotalSeconds * Stopwatch.Frequency);
        Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            float a = coefficients[0], b = coefficients[1];
            ready.SignalAndWait();
            long start = Stopwatch.GetTimestamp();
            long done = 0;
            float sink = 0;
            do
            {
                sink += FmaLoop(ChunkIterations, a, b);
                done += FlopsPerCall(ChunkIterations, lanes);
            }
            while (Stopwatch.GetTimestamp() - start < limit);

            ends[t] = Stopwatch.GetTimestamp();
            starts[t] = start;
            // Consumed, so the loop's result is live: a NaN or infinity here would mean the chains diverged.
            flops[t] = float.IsFinite(sink) ? done : throw new InvalidOperationException("FMA probe chains diverged");
        })
        { IsBackground = true, Name = "peak-probe-fma" }).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        double seconds = (double)(ends.Max() - starts.Min()) / Stopwatch.Frequency;
        return flops.Sum() / seconds / 1e9;
    }

    /// <summary>
    /// <paramref name="iterations"/> rounds of <see cref="Accumulators"/> independent FMA chains of the widest vector
    /// type, starting each chain at its index; returns the sum of every lane of every chain.
    /// </summary>
    /// <remarks>
    /// Compiled fully optimized at once (no tier 0): the first repeat must time the same register-only FMA loop as the
    /// last, not a tier-0 one that reloads every operand from the stack.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static float FmaLoop(long iterations, float a, float b)
    {
        if (Avx512F.IsSupported)
        {
            return FmaLoop512(iterations, Vector512.Create(a), Vector512.Create(b));
        }

        if (Fma.IsSupported && Avx2.IsSupported)
        {
            return FmaLoop256(iterations, Vector256.Create(a), Vector256.Create(b));
        }

        if (AdvSimd.IsSupported)
        {
            return FmaLoop128(iterations, Vector128.Create(a), Vector128.Create(b));
        }

        return FmaLoopScalar(iterations, a, b);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoop512(long iterations, Vector512<float> a, Vector512<float> b)
    {
        Vector512<float> x0 = Vector512.Create(0f), x1 = Vector512.Create(1f), x2 = Vector512.Create(2f), x3 = Vector512.Create(3f);
        Vector512<float> x4 = Vector512.Create(4f), x5 = Vector512.Create(5f), x6 = Vector512.Create(6f), x7 = Vector512.Create(7f);
        Vector512<float> x8 = Vector512.Create(8f), x9 = Vector512.Create(9f), x10 = Vector512.Create(10f), x11 = Vector512.Create(11f);
        for (long i = 0; i < iterations; i++)
        {
            x0 = Avx512F.FusedMultiplyAdd(x0, a, b);
            x1 = Avx512F.FusedMultiplyAdd(x1, a, b);
            x2 = Avx512F.FusedMultiplyAdd(x2, a, b);
            x3 = Avx512F.FusedMultiplyAdd(x3, a, b);
            x4 = Avx512F.FusedMultiplyAdd(x4, a, b);
            x5 = Avx512F.FusedMultiplyAdd(x5, a, b);
            x6 = Avx512F.FusedMultiplyAdd(x6, a, b);
            x7 = Avx512F.FusedMultiplyAdd(x7, a, b);
            x8 = Avx512F.FusedMultiplyAdd(x8, a, b);
            x9 = Avx512F.FusedMultiplyAdd(x9, a, b);
            x10 = Avx512F.FusedMultiplyAdd(x10, a, b);
            x11 = Avx512F.FusedMultiplyAdd(x11, a, b);
        }

        return Vector512.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoop256(long iterations, Vector256<float> a, Vector256<float> b)
    {
        Vector256<float> x0 = Vector256.Create(0f), x1 = Vector256.Create(1f), x2 = Vector256.Create(2f), x3 = Vector256.Create(3f);
        Vector256<float> x4 = Vector256.Create(4f), x5 = Vector256.Create(5f), x6 = Vector256.Create(6f), x7 = Vector256.Create(7f);
        Vector256<float> x8 = Vector256.Create(8f), x9 = Vector256.Create(9f), x10 = Vector256.Create(10f), x11 = Vector256.Create(11f);
        for (long i = 0; i < iterations; i++)
        {
            x0 = Fma.MultiplyAdd(x0, a, b);
            x1 = Fma.MultiplyAdd(x1, a, b);
            x2 = Fma.MultiplyAdd(x2, a, b);
            x3 = Fma.MultiplyAdd(x3, a, b);
            x4 = Fma.MultiplyAdd(x4, a, b);
            x5 = Fma.MultiplyAdd(x5, a, b);
            x6 = Fma.MultiplyAdd(x6, a, b);
            x7 = Fma.MultiplyAdd(x7, a, b);
            x8 = Fma.MultiplyAdd(x8, a, b);
            x9 = Fma.MultiplyAdd(x9, a, b);
            x10 = Fma.MultiplyAdd(x10, a, b);
            x11 = Fma.MultiplyAdd(x11, a, b);
        }

        return Vector256.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoop128(long iterations, Vector128<float> a, Vector128<float> b)
    {
        Vector128<float> x0 = Vector128.Create(0f), x1 = Vector128.Create(1f), x2 = Vector128.Create(2f), x3 = Vector128.Create(3f);
        Vector128<float> x4 = Vector128.Create(4f), x5 = Vector128.Create(5f), x6 = Vector128.Create(6f), x7 = Vector128.Create(7f);
        Vector128<float> x8 = Vector128.Create(8f), x9 = Vector128.Create(9f), x10 = Vector128.Create(10f), x11 = Vector128.Create(11f);
        for (long i = 0; i < iterations; i++)
        {
            // AdvSimd's FusedMultiplyAdd(addend, left, right) = addend + left * right.
            x0 = AdvSimd.FusedMultiplyAdd(b, x0, a);
            x1 = AdvSimd.FusedMultiplyAdd(b, x1, a);
            x2 = AdvSimd.FusedMultiplyAdd(b, x2, a);
            x3 = AdvSimd.FusedMultiplyAdd(b, x3, a);
            x4 = AdvSimd.FusedMultiplyAdd(b, x4, a);
            x5 = AdvSimd.FusedMultiplyAdd(b, x5, a);
            x6 = AdvSimd.FusedMultiplyAdd(b, x6, a);
            x7 = AdvSimd.FusedMultiplyAdd(b, x7, a);
            x8 = AdvSimd.FusedMultiplyAdd(b, x8, a);
            x9 = AdvSimd.FusedMultiplyAdd(b, x9, a);
            x10 = AdvSimd.FusedMultiplyAdd(b, x10, a);
            x11 = AdvSimd.FusedMultiplyAdd(b, x11, a);
        }

        return Vector128.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoopScalar(long iterations, float a, float b)
    {
        Span<float> x = stackalloc float[Accumulators];
        for (int c = 0; c < Accumulators; c++)
        {
            x[c] = c;
        }

        for (long i = 0; i < iterations; i++)
        {
            for (int c = 0; c < Accumulators; c++)
            {
                x[c] = MathF.FusedMultiplyAdd(x[c], a, b);
            }
        }

        float sum = 0;
        foreach (float value in x)
        {
            sum += value;
        }

        return sum;
    }

    /// <summary>Copy repeats: read+written GB/s of each.</summary>
    private static double[] CopyGbps(int threads, int repeats, TimeSpan time)
    {
        byte[] source = GC.AllocateUninitializedArray<byte>(CopyBufferBytes);
        byte[] destination = GC.AllocateUninitializedArray<byte>(CopyBufferBytes);
        source.AsSpan().Fill(1);
        CopyOnce(source, destination, threads); // faults the destination's pages in, untimed
        long limit = (long)(time.TotalSeconds * Stopwatch.Frequency);
        var result = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            long copies = 0;
            do
            {
                CopyOnce(source, destination, threads);
                copies++;
            }
            while (Stopwatch.GetTimestamp() - start < limit);

            double seconds = (double)(Stopwatch.GetTimestamp() - start) / Stopwatch.Frequency;
            result[r] = 2.0 * CopyBufferBytes * copies / seconds / 1e9;
        }

        return result;
    }

    private static void CopyOnce(byte[] source, byte[] destination, int threads)
    {
        int slice = CopyBufferBytes / threads;
        if (threads == 1)
        {
            source.AsSpan().CopyTo(destination);
            return;
        }

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int length = t == threads - 1 ? CopyBufferBytes - (slice * t) : slice;
            source.AsSpan(slice * t, length).CopyTo(destination.AsSpan(slice * t, length));
        });
    }
}

/// <summary>
/// The GPU's matrix peak as measured by the GEMM probe (a square MatMul run through ONNX Runtime's CUDA provider with
/// the cases' provider options), GFLOP/s: the best repeat is the peak, the median and spread say how steady it was.
/// </summary>
public sealed record GpuPeak
{
    /// <summary>The engine the GEMM ran through (e.g. onnxruntime-cuda) and the device id.</summary>
    public string Engine { get; init; } = string.Empty;

    public int DeviceId { get; init; }

    /// <summary>Operands are n x n.</summary>
    public int MatrixSize { get; init; }

    public double Fp32Gflops { get; init; }

    public double Fp32GflopsMedian { get; init; }

    public double Fp32SpreadPct { get; init; }

    public double Fp16Gflops { get; init; }

    public double Fp16GflopsMedian { get; init; }

    public double Fp16SpreadPct { get; init; }

    /// <summary>How the figures were measured, math mode included.</summary>
    public string Method { get; init; } = string.Empty;

    /// <summary>The peak for a case of <paramref name="precision"/> (fp16 for fp16, fp32 otherwise).</summary>
    public double For(string precision) => precision == "fp16" ? Fp16Gflops : Fp32Gflops;
}
