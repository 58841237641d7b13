using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeBench.Core.Simd;

/// <summary>
/// The text of a kernel self-check: the machine's vector support, one line per kernel path and a verdict, with the
/// exit code (0 when every path agreed with its scalar twin, 1 otherwise).
/// </summary>
public static class KernelCheckReport
{
    /// <summary>Exit code when every check passed.</summary>
    public const int Passed = 0;

    /// <summary>Exit code when a vector path disagreed with its scalar twin (or no check ran).</summary>
    public const int Failed = 1;

    /// <summary>
    /// What this process's JIT accelerates, e.g. <c>arm64: Vector128.IsHardwareAccelerated=True AdvSimd=True
    /// AdvSimd.Arm64=True Vector256=False</c>; the arm64 smoke test greps these words.
    /// </summary>
    public static string Machine()
    {
        string common = $"{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}: "
            + $"Vector128.IsHardwareAccelerated={Vector128.IsHardwareAccelerated} Vector256.IsHardwareAccelerated={Vector256.IsHardwareAccelerated} "
            + $"Vector512.IsHardwareAccelerated={Vector512.IsHardwareAccelerated}";
        return RuntimeInformation.ProcessArchitecture == Architecture.Arm64
            ? $"{common} AdvSimd={AdvSimd.IsSupported} AdvSimd.Arm64={AdvSimd.Arm64.IsSupported}"
            : $"{common} Ssse3={Ssse3.IsSupported} Avx2={Avx2.IsSupported} Avx512F={Avx512F.IsSupported} Avx512Vbmi={Avx512Vbmi.IsSupported}";
    }

    /// <summary>Writes the report of <paramref name="results"/> and returns the exit code.</summary>
    public static int Write(TextWriter output, string machine, IReadOnlyList<KernelCheckResult> results)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(results);
        output.WriteLine($"machine: {machine}");
        int kernelWidth = Math.Max("kernel".Length, results.Select(r => r.Kernel.Length).DefaultIfEmpty().Max());
        int pathWidth = Math.Max("path".Length, results.Select(r => r.Path.Length + 2).DefaultIfEmpty().Max());
        output.WriteLine($"{"kernel".PadRight(kernelWidth)}  {"path".PadRight(pathWidth)}  {"cases",5}  {"max abs diff",12}  {"tolerance",9}  result");
        int failed = 0;
        foreach (KernelCheckResult result in results)
        {
            // A star marks the path the machine picks by itself; the others are narrower levels forced for the check.
            string path = result.MachinePath ? $"{result.Path} *" : result.Path;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Kernel.PadRight(kernelWidth)}  {path.PadRight(pathWidth)}  {result.Cases,5}  {result.MaxAbsDiff,12:G3}  {result.Tolerance,9:G3}  {(result.Ok ? "ok" : "FAIL")}"));
            if (!result.Ok)
            {
                failed++;
                output.WriteLine($"    {result.Mismatch}");
            }
        }

        if (results.Count == 0)
        {
            output.WriteLine("kernels: FAIL: no kernel check ran (no vector path: Vector128 is not hardware accelerated here).");
            return Failed;
        }

        output.WriteLine(failed == 0
            ? $"kernels: {results.Count} vector paths match their scalar twins (* = the path this machine picks)"
            : $"kernels: FAIL: {failed} of {results.Count} vector paths disagree with their scalar twins");
        return failed == 0 ? Passed : Failed;
    }
}
