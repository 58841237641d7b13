using System.CommandLine;
using EdgeBench.Pipeline;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>selfcheck kernels [--seed N]</c>: hidden, for CI's arm64 smoke test (eng/arm64-smoke.sh), which has no arm64
/// machine and cannot run the unit tests under emulation. Runs every SIMD kernel's vector paths against their scalar
/// twins (<see cref="KernelSelfCheck"/>), prints one line per kernel and path, and exits 1 on any disagreement.
/// </summary>
internal static class SelfCheckVerb
{
    public static Command Create()
    {
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => KernelSelfCheck.DefaultSeed, Description = "seed of the random inputs" };
        var kernels = new Command("kernels", "Checks every SIMD kernel's vector paths against their scalar twins; exit 1 on a mismatch.") { seed };
        kernels.SetAction(result => KernelSelfCheck.RunAndReport(result.InvocationConfiguration.Output, result.GetValue(seed)));
        var command = new Command("selfcheck", "Checks this machine's code paths (used by the arm64 smoke test).") { kernels };
        command.Hidden = true;
        return command;
    }
}
