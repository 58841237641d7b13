using EdgeBench.Reporting.Diff;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>diff &lt;base-run&gt; &lt;new-run&gt; [--threshold 5%] [--noise 1us] [--alpha 0.01] [--force] [--out FILE]</c>:
/// Markdown for a pull request on stdout (and in FILE); exit 0, 1 (error or refused) or 2 (regression).
/// </summary>
internal static class DiffVerb
{
    public const int Regression = 2;

    private const string Usage = """
        usage: diff <base-run> <new-run> [--threshold 5%] [--noise 1us] [--alpha 0.01] [--force] [--out FILE]
          compares the raw per-iteration samples of every case (matched by full benchmark name) with a Mann-Whitney
          equivalence test; a case is Slower/Faster only beyond both --threshold (relative) and --noise (absolute,
          per operation: ns, us, ms or s; a bare number is ms).
          Refuses runs of different devices, providers, power modes or runtime versions unless --force.
          exit 0: no regression; 1: error or refused; 2: a case is slower or no longer measured.
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var options = new DiffOptions();
        string? outFile = null;
        var runs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help":
                    output.WriteLine(Usage);
                    return VerbDispatcher.Ok;
                case "--threshold" when i + 1 < args.Length:
                    if (!DiffOptions.TryParseThreshold(args[++i], out double percent))
                    {
                        error.WriteLine($"diff: --threshold '{args[i]}' is not a percentage like 5%.");
                        return VerbDispatcher.Error;
                    }

                    options = options with { ThresholdPercent = percent };
                    break;
                case "--noise" when i + 1 < args.Length:
                    if (!DiffOptions.TryParseNoise(args[++i], out double noise))
                    {
                        error.WriteLine($"diff: --noise '{args[i]}' is not a time like 0.3ms, 500us or 2000ns.");
                        return VerbDispatcher.Error;
                    }

                    options = options with { NoiseNanoseconds = noise };
                    break;
                case "--alpha" when i + 1 < args.Length:
                    if (!double.TryParse(args[++i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double alpha)
                        || alpha <= 0 || alpha >= 0.5)
                    {
                        error.WriteLine($"diff: --alpha '{args[i]}' is not a significance level between 0 and 0.5.");
                        return VerbDispatcher.Error;
                    }

                    options = options with { Alpha = alpha };
                    break;
                case "--force":
                    options = options with { Force = true };
                    break;
                case "--out" when i + 1 < args.Length:
                    outFile = args[++i];
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || runs.Count == 2)
                    {
                        error.WriteLine($"diff: unexpected argument '{args[i]}'.");
                        error.WriteLine(Usage);
                        return VerbDispatcher.Error;
                    }

                    runs.Add(args[i]);
                    break;
            }
        }

        if (runs.Count != 2)
        {
            error.WriteLine(Usage);
            return VerbDispatcher.Error;
        }

        DiffResult result;
        try
        {
            result = RunDiff.Compare(DiffInput.Read(runs[0]), DiffInput.Read(runs[1]), options);
        }
        catch (InvalidDataException e)
        {
            error.WriteLine($"diff: {e.Message}");
            return VerbDispatcher.Error;
        }

        if (result.Mismatches.Count > 0 && !options.Force)
        {
            error.WriteLine("diff: refusing to compare runs measured in different setups (pass --force to compare anyway):");
            foreach (EnvironmentMismatch m in result.Mismatches)
            {
                error.WriteLine($"  {m.Field}: '{m.Base}' (base) vs '{m.New}' (new)");
            }

            return VerbDispatcher.Error;
        }

        string markdown = DiffMarkdown.Format(result);
        output.Write(markdown);
        if (outFile is not null)
        {
            File.WriteAllText(outFile, markdown);
        }

        return result.HasRegression ? Regression : VerbDispatcher.Ok;
    }
}
