using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Facts a benchmark case records about itself while it runs (why its setup failed, what its frames measured) for
/// the edgebench.csv row that is built later, keyed by the case. Kept in memory and appended, one JSON line per
/// record, to a file in the run folder: with an out-of-process toolchain the case runs in a child process and only
/// the file reaches the host. A later record of the same key wins.
/// </summary>
internal sealed class RunFolderRecords<T>(string fileName)
    where T : class
{
    private static readonly JsonSerializerOptions s_json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly ConcurrentDictionary<string, T> _records = new(StringComparer.Ordinal);

    /// <summary>The file's name in the run folder.</summary>
    public string FileName { get; } = fileName;

    /// <summary>Forgets the records of earlier runs in this process (a new run folder starts clean).</summary>
    public void Clear() => _records.Clear();

    /// <summary>Records <paramref name="record"/> under <paramref name="key"/>, and in the run folder when one is set.</summary>
    public void Record(string key, T record)
    {
        _records[key] = record;
        if (Environment.GetEnvironmentVariable(RunSettings.RunDirectoryVariable) is { Length: > 0 } runDirectory && Directory.Exists(runDirectory))
        {
            string line = JsonSerializer.Serialize(new Line(key, record), s_json);
            File.AppendAllText(Path.Combine(runDirectory, FileName), line + "\n", new UTF8Encoding(false));
        }
    }

    /// <summary>The record of <paramref name="key"/>, from memory or the run folder's file (the last one there); null when none.</summary>
    public T? For(string key, string? runDirectory)
    {
        if (_records.TryGetValue(key, out T? record))
        {
            return record;
        }

        string file = runDirectory is null ? string.Empty : Path.Combine(runDirectory, FileName);
        if (!File.Exists(file))
        {
            return null;
        }

        T? found = null;
        foreach (string text in File.ReadLines(file))
        {
            Line? line = JsonSerializer.Deserialize<Line>(text, s_json);
            if (line?.Key == key)
            {
                found = line.Record;
            }
        }

        return found;
    }

    private sealed record Line(string Key, T Record);
}
