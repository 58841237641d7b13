using EdgeBench.Benchmarks.Cli;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>Routes the verbs of the benchmark program; arguments that start with an option are a benchmark run.</summary>
internal static class VerbDispatcher
{
    public const int Ok = 0;
    public const int Error = 1;

    /// <summary>
    /// Runs the verb <paramref name="args"/> starts with; false leaves the arguments to the benchmark run. A first
    /// argument that starts with <c>-</c> is an option, never a verb; any other first word is a verb, and one that is
    /// not known is an error (exit 1) rather than a word for BenchmarkDotNet, which would start its interactive prompt.
    /// </summary>
    public static bool TryRun(string[] args, TextWriter output, TextWriter error, out int exitCode)
    {
        exitCode = Ok;
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return false;
        }

        if (!EdgeBenchCommandLine.VerbNames.Contains(args[0]))
        {
            error.WriteLine($"unknown verb '{args[0]}'; expected one of {string.Join(", ", EdgeBenchCommandLine.VerbNames)}, "
                + "or options that start with - (see --help).");
            exitCode = Error;
            return true;
        }

        exitCode = EdgeBenchCommandLine.InvokeVerb(args, Console.In, output, error);
        return true;
    }
}
