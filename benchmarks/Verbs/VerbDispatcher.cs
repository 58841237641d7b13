namespace EdgeBench.Benchmarks.Verbs;

/// <summary>Routes the verbs of the benchmark program; anything else is BenchmarkDotNet's.</summary>
internal static class VerbDispatcher
{
    public const int Ok = 0;
    public const int Error = 1;

    /// <summary>Runs a verb when <paramref name="args"/> starts with one; false leaves the arguments to BenchmarkDotNet.</summary>
    public static bool TryRun(string[] args, TextWriter output, TextWriter error, out int exitCode)
    {
        exitCode = Ok;
        if (args.Length == 0)
        {
            return false;
        }

        switch (args[0])
        {
            case "models":
                exitCode = ModelsVerb.Run(args[1..], output, error);
                return true;
            case "report" or "diff":
                exitCode = args[0] == "report" ? ReportVerb.Run(args[1..], output, error) : DiffVerb.Run(args[1..], output, error);
                return true;
            case "telemetry":
                exitCode = TelemetryVerb.Run(args[1..], Console.In, output, error);
                return true;
            default:
                return false;
        }
    }
}
