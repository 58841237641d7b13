using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeBench.Core.Simd;
using EdgeBench.Postprocessing;
using EdgeBench.Preprocessing;

namespace EdgeBench.Pipeline;

/// <summary>
/// Every SIMD kernel of the pipeline (preprocessing, candidate scans, the frame tensor's BGR swap) run at each vector
/// level this machine supports against its scalar twin on seeded random inputs: the check the arm64 smoke test runs
/// under emulation, where no unit test runs. The benchmark program's hidden <c>selfcheck kernels</c> verb prints it.
/// </summary>
public static class KernelSelfCheck
{
    /// <summary>The seed the verb uses unless told otherwise.</summary>
    public const int DefaultSeed = 20261202;

    /// <summary>Runs every check; one result per kernel and path.</summary>
    /// <remarks>Without Vector128 acceleration there is no vector path to check, and the list is empty (a failure).</remarks>
    public static IReadOnlyList<KernelCheckResult> Run(int seed = DefaultSeed) =>
        Vector128.IsHardwareAccelerated ? [.. PreprocessKernelChecks.Run(seed), .. CandidateScanChecks.Run(seed), SwapRedBlue(seed)] : [];

    /// <summary>Runs every check and writes the report; returns the exit code (<see cref="KernelCheckReport"/>).</summary>
    public static int RunAndReport(TextWriter output, int seed = DefaultSeed) =>
        KernelCheckReport.Write(output, KernelCheckReport.Machine(), Run(seed));

    private static KernelCheckResult SwapRedBlue(int seed)
    {
        string path = AdvSimd.Arm64.IsSupported ? "Vector128 (AdvSimd TBL)" : "Vector128";
        var check = new KernelComparison("pipeline.bgr-to-rgb", path, machinePath: true, tolerance: 0);
        var random = new Random(seed);

        // Rows of 0..40 pixels (every tail of the 5-pixel step) and a 640-wide row; frames hold whole pixels only.
        foreach (int length in Enumerable.Range(0, 41).Select(pixels => 3 * pixels).Append(640 * 3))
        {
            byte[] bgr = new byte[length];
            random.NextBytes(bgr);
            byte[] expected = new byte[length];
            byte[] actual = new byte[length];
            FrameTensor.SwapRedBlueReference(bgr, expected);
            FrameTensor.SwapRedBlue(bgr, actual);
            check.Compare<byte>($"{length} bytes", expected, actual);
        }

        return check.Result();
    }
}
