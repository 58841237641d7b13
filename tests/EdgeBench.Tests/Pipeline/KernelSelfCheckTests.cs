using EdgeBench.Core.Simd;
using EdgeBench.Pipeline;
using EdgeBench.Preprocessing;

namespace EdgeBench.Tests.Pipeline;

/// <summary>The kernel self-check (what the arm64 smoke test runs under qemu) on this machine.</summary>
public class KernelSelfCheckTests
{
    [Fact]
    public void Every_kernel_path_this_machine_supports_matches_its_scalar_twin()
    {
        IReadOnlyList<KernelCheckResult> results = KernelSelfCheck.Run();

        Assert.All(results, r => Assert.True(r.Ok, $"{r.Kernel} {r.Path}: {r.Mismatch}"));
        Assert.All(results, r => Assert.True(r.Cases > 0, $"{r.Kernel} {r.Path} compared nothing"));

        // Each preprocessing kernel is checked at the Vector128 level (arm64's code), whatever the machine picks.
        foreach (string kernel in new[] { "horizontal", "vertical", "vertical-fp16", "deinterleave", "interleave", "frame", "frame-fp16" })
        {
            string pathKernel = kernel.Replace("-fp16", string.Empty, StringComparison.Ordinal);
            Assert.Contains(results, r => r.Kernel == $"preprocess.{kernel}" && r.Path == PreprocessKernelChecks.PathName(pathKernel, PreprocessKernel.Vector128));
        }

        Assert.Contains(results, r => r.Kernel == "postprocess.candidate-scan" && r.Path.StartsWith("Vector128", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Kernel == "preprocess.fp32-to-fp16" && r.Path == "Vector128");
        Assert.Contains(results, r => r.Kernel == "pipeline.bgr-to-rgb");

        // Exactly one path per kernel is the machine's own choice.
        Assert.All(results.Where(r => r.Kernel != "postprocess.candidate-scan").GroupBy(r => r.Kernel), g => Assert.Single(g, r => r.MachinePath));
    }
}
