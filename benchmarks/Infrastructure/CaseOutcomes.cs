using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Why a case failed or was skipped, for edgebench.csv: BenchmarkDotNet keeps only "failed" for a case whose setup
/// threw. Setup records the reason here first, under the key of its (class, parameters): to memory, and to a
/// JSON-lines file in the run folder so that a child process of an out-of-process toolchain can record it too.
/// </summary>
internal static class CaseOutcomes
{
    public const string FileName = "case-outcomes.jsonl";

    private static readonly RunFolderRecords<Outcome> s_outcomes = new(FileName);

    /// <summary>A status (<see cref="CaseStatus.Failed"/> or <see cref="CaseStatus.Skipped"/>) and its reason.</summary>
    public sealed record Outcome(string Status, string Reason);

    /// <summary>
    /// Key of a setup: the benchmark class, every parameter value (by name, so declaration order does not matter) and,
    /// for a targeted <c>[GlobalSetup(Target = ...)]</c>, the method it is for. A class-wide setup's outcome covers every
    /// method of the class with those parameters. <see cref="EdgeBenchmark.SetupKey"/> (the instance that records) and
    /// <see cref="CaseIdentity.SetupKey"/> (the row that reads) both come here.
    /// </summary>
    public static string Key(string type, IEnumerable<(string Name, string Value)> parameters, string? setupTarget = null) =>
        type
        + string.Concat(parameters.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => "|" + p.Name + "=" + p.Value))
        + (setupTarget is null ? string.Empty : "|@" + setupTarget);

    /// <summary>
    /// Records why setup threw: a skip for <see cref="CaseSkippedException"/> and for
    /// <see cref="ProviderUnavailableException"/> (a provider or native library missing here is not a failure of the
    /// case), a failure with the exception's type and message otherwise.
    /// </summary>
    public static void RecordFailure(string key, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is CaseSkippedException or ProviderUnavailableException)
        {
            Record(key, new Outcome(CaseStatus.Skipped, error.Message));
            return;
        }

        string message = error is AggregateException { InnerException: { } inner } ? inner.Message : error.Message;
        Record(key, new Outcome(CaseStatus.Failed, $"{error.GetType().Name}: {message}".ReplaceLineEndings(" ")));
    }

    /// <summary>The recorded outcome for <paramref name="key"/>, from memory or the run folder's file.</summary>
    public static Outcome? For(string key, string? runDirectory) => s_outcomes.For(key, runDirectory);

    /// <summary>Forgets the outcomes of earlier runs in this process (a new run folder starts clean).</summary>
    public static void Clear() => s_outcomes.Clear();

    private static void Record(string key, Outcome outcome) => s_outcomes.Record(key, outcome);
}

/// <summary>
/// Thrown by a case's setup when this machine cannot run it (a provider or engine that is not here). The case is
/// reported as skipped with <see cref="Exception.Message"/> as its reason, and the run still succeeds.
/// </summary>
public sealed class CaseSkippedException : Exception
{
    public CaseSkippedException(string reason)
        : base(reason)
    {
    }

    public CaseSkippedException()
    {
    }

    public CaseSkippedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
