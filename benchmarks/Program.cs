using BenchmarkDotNet.Running;
using EdgeBench.Benchmarks.Verbs;

namespace EdgeBench.Benchmarks;

/// <summary>
/// Entry point. EdgeBench's own verbs (<c>models</c>, ...) are answered first; any other arguments go to
/// BenchmarkDotNet unchanged, so <c>--filter</c>, <c>--list</c> and <c>--job</c> work as BenchmarkDotNet documents.
/// Exit codes: 0 ok, 1 error, 2 regression found (diff).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (VerbDispatcher.TryRun(args, Console.Out, Console.Error, out int exitCode))
        {
            return exitCode;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
