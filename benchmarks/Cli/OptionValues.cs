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
