using System.CommandLine.Parsing;
using System.Globalization;

namespace EdgeBench.Benchmarks.Cli;

/// <summary>
/// Parsers and formatters for option values, so that each option's declaration says what it accepts in one
/// expression. A parser takes the text and its origin (the flag or the environment variable) and throws an
/// <see cref="ArgumentException"/> that names the origin, the value and what was expected.
/// </summary>
internal static class OptionValues
{
    /// <summary>Parses the text of a TryParse-style method: true and the value, or false.</summary>
    public delegate bool TryParser<T>(string text, out T value);

    /// <summary>
    /// A whole number in <paramref name="min"/>..<paramref name="max"/>, e.g. a batch size or a thread count;
    /// <paramref name="what"/> names it with its article ("a batch size") and <paramref name="note"/> follows the range.
    /// </summary>
    public static Func<string, string, int> WholeNumber(int min, int max, string what, string? note = null) =>
        (text, origin) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number >= min && number <= max
            ? number
            : throw new ArgumentException($"{origin}: '{text}' is not {what}; expected a whole number {min}..{max}{(note is null ? "" : $" ({note})")}.");

    /// <summary>One of <paramref name="names"/> (ordinal, as written in the list).</summary>
    public static Func<string, string, string> OneOf(IReadOnlyCollection<string> names, string what) =>
        (text, origin) => names.Contains(text)
            ? text
            : throw new ArgumentException($"{origin}: '{text}' is not {what}; expected one of {string.Join(", ", names)}.");

    /// <summary>A comma-separated list of <paramref name="item"/>s, duplicates removed; an empty list is an error.</summary>
    public static Func<string, string, IReadOnlyList<TItem>> ListOf<TItem>(Func<string, string, TItem> item) =>
        (text, origin) =>
        {
            string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return parts.Length > 0
                ? parts.Select(part => item(part, origin)).Distinct().ToArray()
                : throw new ArgumentException($"{origin}: '{text}' is an empty list.");
        };

    /// <summary>A file or folder that exists, made absolute (benchmark cases run in another working directory).</summary>
    public static Func<string, string, string> ExistingPath(string what) =>
        (text, origin) =>
        {
            string path = text.Length > 0 ? Path.GetFullPath(text) : text;
            return File.Exists(path) || Directory.Exists(path)
                ? path
                : throw new ArgumentException($"{origin}: '{path}' does not exist; expected {what}.");
        };

    /// <summary>A number in <paramref name="min"/>..<paramref name="max"/> (decimals allowed), e.g. a frame rate.</summary>
    public static Func<string, string, double> Number(double min, double max, string what) =>
        (text, origin) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && number >= min && number <= max
            ? number
            : throw new ArgumentException($"{origin}: '{text}' is not {what}; expected a number {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}.");

    /// <summary>
    /// A duration written as a number and a unit, <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c> (<c>500ms</c>, <c>90s</c>,
    /// <c>10m</c>, <c>1.5h</c>); a bare number is seconds. At most <paramref name="max"/>.
    /// </summary>
    public static Func<string, string, TimeSpan> Duration(TimeSpan max) =>
        (text, origin) =>
        {
            (string number, double unitSeconds) = text switch
            {
                _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
                _ when text.EndsWith('s') => (text[..^1], 1.0),
                _ when text.EndsWith('m') => (text[..^1], 60.0),
                _ when text.EndsWith('h') => (text[..^1], 3600.0),
                _ => (text, 1.0),
            };
            return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                && value >= 0 && value * unitSeconds <= max.TotalSeconds
                ? TimeSpan.FromSeconds(value * unitSeconds)
                : throw new ArgumentException($"{origin}: '{text}' is not a duration; expected a number with ms, s, m or h (e.g. 90s, 10m), at most {max.TotalHours.ToString(CultureInfo.InvariantCulture)} h.");
        };

    /// <summary>A duration as <see cref="Duration"/> reads it back: whole seconds, or milliseconds below one.</summary>
    public static string FormatDuration(TimeSpan value) =>
        value.TotalSeconds >= 1 && value.TotalSeconds == Math.Floor(value.TotalSeconds)
            ? ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";

    /// <summary>Any text, as given (a folder name, a path that need not exist yet).</summary>
    public static string Text(string text, string origin) => text;

    /// <summary>A value as the environment variable carries it: invariant culture, lists comma-separated.</summary>
    public static string Invariant<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    /// <inheritdoc cref="Invariant{T}(T)"/>
    public static string Join<TItem>(IEnumerable<TItem> items) where TItem : IFormattable =>
        string.Join(',', items.Select(Invariant));

    /// <summary>
    /// A System.CommandLine parser for a verb's option from a TryParse-style method: a bad value becomes the parse
    /// error "<c>--flag 'value' {expected}</c>" (the verb's name is put before it when errors are printed).
    /// </summary>
    public static Func<ArgumentResult, T?> Checked<T>(TryParser<T> tryParse, string expected) where T : struct =>
        result =>
        {
            string text = result.Tokens[^1].Value;
            if (tryParse(text, out T value))
            {
                return value;
            }

            string flag = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
            result.AddError($"{flag} '{text}' {expected}");
            return null;
        };
}
