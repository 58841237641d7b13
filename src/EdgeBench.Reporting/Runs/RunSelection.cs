using System.Globalization;
using System.Text.RegularExpressions;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Reporting.Runs;

/// <summary>
/// Which run folders under a results root a cross-device report reads: every
/// <c>&lt;root&gt;/&lt;device-id&gt;/&lt;run-id&gt;/</c> holding an edgebench.csv, or only the named ones, narrowed by
/// commit (the run id's <c>-&lt;commit&gt;</c> or <c>-nogit</c> suffix) and start time (the run id's UTC
/// <c>yyyyMMdd-HHmmss</c> prefix). Bad values are errors naming the flag and the value.
/// </summary>
public sealed partial record RunSelection
{
    /// <summary>The folder the reports write under the results root; never a device.</summary>
    public const string ReportsFolder = "reports";

    /// <summary>The run id suffix of a run made outside a git checkout.</summary>
    public const string NoGit = "nogit";

    public static RunSelection All { get; } = new();

    /// <summary>Run folders named on the command line (absolute, or relative to the working folder or the results root); empty: every run.</summary>
    public IReadOnlyList<string> Named { get; init; } = [];

    /// <summary>A commit prefix (lower case hex) or <see cref="NoGit"/>; null: any commit.</summary>
    public string? Commit { get; init; }

    /// <summary>Only runs started at or after this instant (UTC); null: any time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>The values as typed, for messages; the parsed ones otherwise.</summary>
    public string? CommitText { get; init; }

    public string? SinceText { get; init; }

    /// <summary>Validates <c>--commit</c> and <c>--since</c> as typed on the command line.</summary>
    public static RunSelection Parse(IReadOnlyList<string>? named, string? commit, string? since) => new()
    {
        Named = named ?? [],
        Commit = commit is null ? null : ParseCommit(commit),
        CommitText = commit,
        Since = since is null ? null : ParseSince(since),
        SinceText = since,
    };

    /// <summary>4 to 40 hex digits (any case), or <c>nogit</c>.</summary>
    public static string ParseCommit(string value)
    {
        string trimmed = value.Trim();
        if (trimmed.Equals(NoGit, StringComparison.OrdinalIgnoreCase))
        {
            return NoGit;
        }

        if (!s_commit.IsMatch(trimmed))
        {
            throw new InvalidDataException($"--commit '{value}': expected a git commit (4 to 40 hex digits, e.g. e459999) or '{NoGit}' (runs made outside a git checkout).");
        }

        return trimmed.ToLowerInvariant();
    }

    /// <summary>A UTC date or time: YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss], or a run id's yyyyMMdd or yyyyMMdd-HHmmss prefix.</summary>
    public static DateTimeOffset ParseSince(string value)
    {
        string trimmed = value.Trim().TrimEnd('Z', 'z');
        if (DateTime.TryParseExact(trimmed, s_sinceFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime parsed))
        {
            return new DateTimeOffset(parsed, TimeSpan.Zero);
        }

        throw new InvalidDataException(
            $"--since '{value}': expected a UTC date or time: YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss], or a run id's yyyyMMdd-HHmmss.");
    }

    /// <summary>The start time a run id encodes (<c>yyyyMMdd-HHmmss-…</c>, UTC), or null for a folder named otherwise.</summary>
    public static DateTimeOffset? StartOf(string runId) =>
        runId.Length >= 15 && DateTime.TryParseExact(runId[..15], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime start)
            ? new DateTimeOffset(start, TimeSpan.Zero)
            : null;

    /// <summary>The commit a run id ends with (<c>-e459999</c>, <c>-nogit</c>), or null for a folder named otherwise.</summary>
    public static string? CommitOf(string runId)
    {
        // After the time when the id has one (its digits would pass for hex), else after the last dash.
        int dash = StartOf(runId) is not null ? (runId.Length > 16 && runId[15] == '-' ? 15 : -1) : runId.LastIndexOf('-');
        string tail = dash < 0 ? string.Empty : runId[(dash + 1)..].ToLowerInvariant();
        return tail == NoGit || s_commit.IsMatch(tail) ? tail : null;
    }

    /// <summary>Whether a run of this id passes the commit and time filters.</summary>
    public bool Admits(string runId)
    {
        if (Commit is not null)
        {
            string? runCommit = CommitOf(runId);
            // A short id in the run, a longer one typed (or the other way round): either is a prefix of the other.
            bool same = runCommit is not null && (Commit == NoGit || runCommit == NoGit
                ? Commit == runCommit
                : runCommit.StartsWith(Commit, StringComparison.Ordinal) || Commit.StartsWith(runCommit, StringComparison.Ordinal));
            if (!same)
            {
                return false;
            }
        }

        return Since is not DateTimeOffset since || (StartOf(runId) is DateTimeOffset start && start >= since);
    }

    /// <summary>
    /// The run folders to read, in path order. Errors: a missing root, a named folder that does not exist or holds no
    /// edgebench.csv, no run at all, and filters that leave nothing (the message names the flag, the value and what
    /// was there).
    /// </summary>
    public IReadOnlyList<string> Select(string resultsRoot)
    {
        IReadOnlyList<string> candidates = Named.Count > 0 ? Named.Select(n => ResolveNamed(resultsRoot, n)).ToArray() : Discover(resultsRoot);
        string[] selected = candidates.Where(d => Admits(RunIdOf(d))).Distinct(StringComparer.Ordinal).ToArray();
        if (selected.Length > 0)
        {
            return selected;
        }

        string where = Named.Count > 0 ? "of the named run folders" : $"run folder under {resultsRoot}";
        string[] ids = candidates.Select(RunIdOf).Order(StringComparer.Ordinal).ToArray();
        if (Commit is not null && !candidates.Any(d => new RunSelection { Commit = Commit }.Admits(RunIdOf(d))))
        {
            string commits = string.Join(", ", ids.Select(CommitOf).Where(c => c is not null).Distinct().Order(StringComparer.Ordinal));
            throw new InvalidDataException(
                $"--commit '{CommitText ?? Commit}': no {where} was made at that commit (run ids end with -<commit> or -{NoGit}; commits found: {(commits.Length == 0 ? "none" : commits)}).");
        }

        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
            $"--since '{SinceText ?? Since?.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)}': no {where}{(Commit is null ? string.Empty : $" of commit {Commit}")} started at or after {Since:yyyy-MM-ddTHH:mm:ss}Z (run ids begin with the UTC start, yyyyMMdd-HHmmss; the newest is {ids.LastOrDefault() ?? "none"})."));
    }

    private static string RunIdOf(string directory) => Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));

    private static string[] Discover(string resultsRoot)
    {
        if (!Directory.Exists(resultsRoot))
        {
            throw new InvalidDataException($"{resultsRoot}: folder not found; expected a results root holding <device-id>/<run-id>/ folders.");
        }

        string[] runs = Directory.GetDirectories(resultsRoot)
            .Where(device => Path.GetFileName(device) != ReportsFolder)
            .SelectMany(Directory.GetDirectories)
            .Where(run => File.Exists(Path.Combine(run, ResultsCsv.FileName)))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (runs.Length == 0)
        {
            throw new InvalidDataException($"{resultsRoot}: no run folder with an {ResultsCsv.FileName} under <device-id>/<run-id>/.");
        }

        return runs;
    }

    private static string ResolveNamed(string resultsRoot, string run)
    {
        string full = Path.IsPathRooted(run) || Directory.Exists(run) ? run : Path.Combine(resultsRoot, run);
        if (!Directory.Exists(full))
        {
            throw new InvalidDataException($"run folder '{run}': not found (also tried {full}); expected results/<device-id>/<run-id>/.");
        }

        if (!File.Exists(Path.Combine(full, ResultsCsv.FileName)))
        {
            throw new InvalidDataException($"run folder '{run}': no {ResultsCsv.FileName} in {full}; expected a run folder written by the benchmark program.");
        }

        return Path.TrimEndingDirectorySeparator(full);
    }

    private static readonly string[] s_sinceFormats =
        ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyyMMdd", "yyyyMMdd-HHmmss"];

    private static readonly Regex s_commit = CommitPattern();

    [GeneratedRegex("^[0-9a-fA-F]{4,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex CommitPattern();
}
