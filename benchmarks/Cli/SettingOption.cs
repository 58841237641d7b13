using System.CommandLine;
using System.CommandLine.Parsing;
using EdgeBench.Benchmarks.Infrastructure;

namespace EdgeBench.Benchmarks.Cli;

/// <summary>
/// One EdgeBench run option, declared once in <see cref="RunSettings.Options"/>: flag, environment variable, help,
/// parser (which is the validation) and the <see cref="RunSettings"/> property it fills. Everything else follows from
/// the declaration: the <c>--help</c> line, reading the variable, the flag overriding it, publishing the value for the
/// benchmark cases and the error message for a bad value.
/// </summary>
internal abstract class SettingOption
{
    /// <summary>The flag, e.g. <c>--batch</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The environment variable that carries the value to [ParamsSource] and to out-of-process cases.</summary>
    public required string Variable { get; init; }

    /// <summary>What the value is called in the help, e.g. <c>LIST</c> or <c>N</c>.</summary>
    public required string ValueName { get; init; }

    /// <summary>One sentence for <c>--help</c>; the default and the variable are appended.</summary>
    public required string Help { get; init; }

    /// <summary>The default as the help shows it where it is not a value (e.g. "detected"); else the formatted default.</summary>
    public string? DefaultText { get; init; }

    /// <summary>A System.CommandLine option for this setting (help and parsing); a new one for each command.</summary>
    public abstract Option CreateOption();

    /// <summary>Applies the environment variable when it is set and not empty.</summary>
    public abstract RunSettings ReadVariable(RunSettings settings);

    /// <summary>Applies the flag when the command line gave it.</summary>
    public abstract RunSettings ReadCommandLine(RunSettings settings, ParseResult result);

    /// <summary>Writes the setting's value to <see cref="Variable"/> (null unsets it).</summary>
    public abstract void Export(RunSettings settings);

    /// <summary>The option's value in <paramref name="settings"/> as the variable carries it (null: none).</summary>
    public abstract string? ValueText(RunSettings settings);
}

/// <summary>A <see cref="SettingOption"/> whose value is a <typeparamref name="T"/>.</summary>
internal sealed class SettingOption<T> : SettingOption
{
    /// <summary>
    /// Parses a flag's or variable's text; <c>origin</c> is the flag or the variable, and a bad value throws an
    /// <see cref="ArgumentException"/> that starts with it and says what was expected (see <see cref="OptionValues"/>).
    /// </summary>
    public required Func<string, string, T> Parse { get; init; }

    /// <summary>Reads the property the option fills.</summary>
    public required Func<RunSettings, T> Get { get; init; }

    /// <summary>Returns the settings with the property set.</summary>
    public required Func<RunSettings, T, RunSettings> Set { get; init; }

    /// <summary>The value as the variable carries it, parseable by <see cref="Parse"/>; null leaves the variable unset.</summary>
    public required Func<T, string?> Format { get; init; }

    /// <summary>
    /// What <see cref="Export"/> publishes, where it is not simply the formatted value (the backend list is published
    /// only when the user chose it, so the cases can still tell it from the default).
    /// </summary>
    public Func<RunSettings, string?>? Published { get; init; }

    public override Option CreateOption() => new Option<T>(Name)
    {
        HelpName = ValueName,
        Description = $"{Help} [default: {DefaultText ?? ValueText(new RunSettings())}] [env: {Variable}]",
        // Each occurrence brings exactly one value (see EdgeBenchCommandLine.ParseRunOptions); every one is checked and
        // the last one wins, as scripts that append their own flags after the user's (eng/gpu/run-on-gpu.sh) expect.
        Arity = ArgumentArity.OneOrMore,
        CustomParser = ParseEveryValue,
    };

    public override RunSettings ReadVariable(RunSettings settings) =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } text ? Set(settings, Parse(text, Variable)) : settings;

    public override RunSettings ReadCommandLine(RunSettings settings, ParseResult result) =>
        result.GetResult(Name) is OptionResult { Implicit: false } ? Set(settings, result.GetValue<T>(Name)!) : settings;

    public override void Export(RunSettings settings) =>
        Environment.SetEnvironmentVariable(Variable, Published is null ? ValueText(settings) : Published(settings));

    public override string? ValueText(RunSettings settings) => Format(Get(settings));

    private T ParseEveryValue(ArgumentResult result)
    {
        try
        {
            T value = default!;
            foreach (Token token in result.Tokens)
            {
                value = Parse(token.Value, Name);
            }

            return value;
        }
        catch (ArgumentException e)
        {
            // System.CommandLine collects parse errors rather than exceptions; RunSettings.Parse raises the first.
            result.AddError(e.Message);
            return default!;
        }
    }
}
