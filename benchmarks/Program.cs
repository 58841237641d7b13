using BenchmarkDotNet.Running;

namespace EdgeBench.Benchmarks;

/// <summary>Entry point: EdgeBench verbs first, everything else goes to BenchmarkDotNet.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
