using System.CommandLine;
using System.CommandLine.Help;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Verbs;

namespace EdgeBench.Benchmarks.Cli;

/// <summary>
/// The program's command line on System.CommandLine: EdgeBench's run options (<see cref="RunSettings.Options"/>) and
/// the verbs, with generated help. A benchmark run is not a command: its arguments are BenchmarkDotNet's as well as
/// ours, so <see cref="ParseRunOptions"/> takes ours out and leaves the rest, untouched, to BenchmarkDotNet.
/// </summary>
internal static class EdgeBenchCommandLine
{
    /// <summary>The name the usage lines show (the published executable's).</summary>
    public const string ProgramName = "EdgeBench.Benchmarks";

    /// <summary>
    /// The arguments that ask for the program's help, ours and BenchmarkDotNet's alike. <c>-h</c> only without a value
    /// (<see cref="AsksForHelp"/>): with values it is BenchmarkDotNet's <c>--hide</c> (<c>-h Mean Ratio</c>); the verbs
    /// take it as help.
    /// </summary>
    public static readonly IReadOnlyList<string> HelpArguments = ["--help", "-?"];

    private const string Description = """
        Runs EdgeBench's benchmarks on this machine (one run folder under the results root), or one of the commands below.

        Every other argument goes to BenchmarkDotNet unchanged, in any position among EdgeBench's options:
        --filter, --list, --job, --inProcess, --exporters, --memory ... (BenchmarkDotNet's options follow this help).
        --verbose prints BenchmarkDotNet's full log on the console too (it always goes to the run folder's
        benchmarkdotnet.log; the console shows progress and, at the end, one screen of answers, also in summary.md).
        Exit codes: 0 ok (skipped cases included), 1 an error or a failed case, 2 a regression (diff).
        """;

    /// <summary>
    /// No response files (<c>@file</c>) and no bundling of short flags: arguments System.CommandLine does not know are
    /// BenchmarkDotNet's or a verb's values, and must reach them as written.
    /// </summary>
    private static readonly ParserConfiguration s_parserConfiguration = new() { EnablePosixBundling = false, ResponseFileTokenReplacer = null };

    /// <summary>The names of the verbs, in the order the help lists them.</summary>
    public static IReadOnlyList<string> VerbNames { get; } = CreateRoot(TextReader.Null).Subcommands.Select(c => c.Name).ToArray();

    /// <summary>The command tree: the run options (shown in the help) and the verbs; <paramref name="input"/> is stdin for verbs that read it.</summary>
    public static Command CreateRoot(TextReader input)
    {
        var root = new Command(ProgramName, Description) { new HelpOption(HelpArguments[0], [.. HelpArguments.Skip(1)]) };
        foreach (SettingOption option in RunSettings.Options)
        {
            root.Add(option.CreateOption());
        }

        foreach (Command verb in (Command[])[DiffVerb.Create(), ReportVerb.Create(), ModelsVerb.Create(), TelemetryVerb.Create(input), DetectVerb.Create(), ColdStartVerb.Create(), SelfCheckVerb.Create()])
        {
            AddHelp(verb);
            root.Add(verb);
        }

        return root;
    }

    /// <summary>Writes the generated help of the program (or of the verb that <paramref name="path"/> names).</summary>
    public static void WriteHelp(TextWriter output, params string[] path) =>
        CreateRoot(TextReader.Null).Parse([.. path, "--help"], s_parserConfiguration).Invoke(new InvocationConfiguration { Output = output });

    /// <summary>Whether a benchmark run's arguments ask for help: <see cref="HelpArguments"/>, or <c>-h</c> with no value after it.</summary>
    public static bool AsksForHelp(IReadOnlyList<string> args) =>
        args.Where((argument, i) => HelpArguments.Contains(argument) || (argument == "-h" && (i + 1 == args.Count || args[i + 1].StartsWith('-')))).Any();

    /// <summary>
    /// Runs the verb <paramref name="args"/> starts with. A parse error prints each error after the verb's name, then
    /// the verb's help, on <paramref name="error"/>, and returns <see cref="VerbDispatcher.Error"/>.
    /// </summary>
    public static int InvokeVerb(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ParseResult result = CreateRoot(input).Parse(args, s_parserConfiguration);
        if (result.Errors.Count > 0)
        {
            string[] path = CommandPath(result.CommandResult.Command);
            foreach (System.CommandLine.Parsing.ParseError parseError in result.Errors)
            {
                error.WriteLine($"{string.Join(' ', path)}: {parseError.Message}");
            }

            error.WriteLine();
            WriteHelp(error, path);
            return VerbDispatcher.Error;
        }

        // Exceptions propagate as they did before System.CommandLine: a verb reports the errors it expects itself.
        return result.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>
    /// Separates EdgeBench's options from BenchmarkDotNet's arguments and parses ours. Ours are recognised by name
    /// (<c>--batch 1,4</c> or <c>--batch=1,4</c>) wherever they stand; everything else is returned in its order, with
    /// nothing interpreted: System.CommandLine alone would drop a <c>--</c> and take the words after a BenchmarkDotNet
    /// option (<c>--filter a b</c>) for values of ours. Bad values raise <see cref="ArgumentException"/>.
    /// </summary>
    public static (ParseResult Options, string[] Remaining) ParseRunOptions(IReadOnlyList<string> args)
    {
        var ours = new List<string>();
        var remaining = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string argument = args[i];
            if (RunSettings.Options.Any(o => o.Name == argument))
            {
                ours.Add(argument);
                ours.Add(i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{argument} needs a value."));
            }
            else if (RunSettings.Options.Any(o => argument.StartsWith(o.Name + "=", StringComparison.Ordinal)))
            {
                ours.Add(argument);
            }
            else
            {
                remaining.Add(argument);
            }
        }

        var command = new Command(ProgramName);
        foreach (SettingOption option in RunSettings.Options)
        {
            command.Add(option.CreateOption());
        }

        ParseResult result = command.Parse(ours, s_parserConfiguration);
        return result.Errors.Count > 0 ? throw new ArgumentException(result.Errors[0].Message) : (result, remaining.ToArray());
    }

    /// <summary>Gives a verb and its subcommands System.CommandLine's own help option (-h, -?, --help).</summary>
    private static void AddHelp(Command command)
    {
        command.Add(new HelpOption());
        foreach (Command subcommand in command.Subcommands)
        {
            AddHelp(subcommand);
        }
    }

    private static string[] CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? current = command; current is not null && current.Parents.Any(); current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, current.Name);
        }

        return names.ToArray();
    }
}
