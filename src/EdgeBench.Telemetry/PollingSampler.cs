using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace EdgeBench.Telemetry;

/// <summary>Reads the source once, at <paramref name="timestamp"/> (<paramref name="elapsed"/> since start). False
/// when the poll read nothing at all (it is counted, not kept). Called on the polling thread only.</summary>
internal delegate bool PollHandler<TSample>(long timestamp, TimeSpan elapsed, [MaybeNullWhen(false)] out TSample sample);

/// <summary>Settings of a <see cref="PollingSampler{TSample}"/>.</summary>
/// <param name="Source">Short source name for messages (<c>linux</c>).</param>
/// <param name="Interval">Time between polls; the first poll comes one interval after start (or, when Stop comes
/// sooner, as the window closes).</param>
/// <param name="LongestPoll">The longest one poll can take (e.g. its tool calls' timeouts); Stop waits that long
/// plus a second for the polling thread.</param>
/// <param name="Prepare">Run by Start before the first poll: null when polling can begin, else why it cannot.</param>
/// <param name="DescribeEmptyPolls">The NoSamples reason, given how many polls read nothing.</param>
internal sealed record PollingOptions(
    string Source, TimeSpan Interval, TimeSpan LongestPoll, Func<string?> Prepare, Func<int, string> DescribeEmptyPolls);

/// <summary>
/// The sampler lifecycle with a timer as its source (/proc and /sys, vcgencmd): a background thread polls every
/// <see cref="PollingOptions.Interval"/> until Stop. Nothing a poll meets is fatal: a poll that reads nothing is
/// counted in <see cref="SamplerLifecycle{TSample}.UnparsedCount"/>, and only <see cref="PollingOptions.Prepare"/>
/// can fail Start.
/// </summary>
internal sealed class PollingSampler<TSample> : SamplerLifecycle<TSample>
{
    private readonly PollingOptions _options;
    private readonly PollHandler<TSample> _poll;
    private readonly ManualResetEventSlim _stopSignal = new(false);
    private Thread? _thread;
    private bool _threadEnded = true;

    public PollingSampler(PollingOptions options, PollHandler<TSample> poll)
        : base(options?.Source ?? throw new ArgumentNullException(nameof(options)))
    {
        ArgumentNullException.ThrowIfNull(poll);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Interval, TimeSpan.FromMilliseconds(1), nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LongestPoll, TimeSpan.Zero, nameof(options));
        _options = options;
        _poll = poll;
    }

    protected override string? Launch() => _options.Prepare();

    protected override void BeginCollecting()
    {
        _thread = new Thread(PollLoop) { IsBackground = true, Name = $"EdgeBench {Source} sampler" };
        _thread.Start();
    }

    protected override TelemetryStopMethod EndCollecting()
    {
        _stopSignal.Set();
        // A poll is bounded by its reads and tool timeouts; the thread is a background thread, so even a stuck read
        // cannot keep the host alive.
        _threadEnded = _thread?.Join(_options.LongestPoll + TimeSpan.FromSeconds(1)) ?? true;
        return TelemetryStopMethod.PollingStopped;
    }

    protected override TelemetryStopResult DescribeStopUnderLock(TelemetryStopMethod method)
    {
        int count = SampleCountUnderLock;
        int emptyPolls = UnparsedCount;
        (TelemetryOutcome outcome, string? reason) = count > 0
            ? (TelemetryOutcome.Completed, (string?)null)
            : (TelemetryOutcome.NoSamples, _options.DescribeEmptyPolls(emptyPolls));
        return new TelemetryStopResult(outcome, reason, method, count, emptyPolls, null, null);
    }

    protected override void ReleaseSource()
    {
        // A thread still stuck in a read would next touch the signal: leave it to the GC rather than crash the host
        // with an ObjectDisposedException on a background thread.
        if (_threadEnded)
        {
            _stopSignal.Dispose();
        }
    }

    private void PollLoop()
    {
        long start = StartTimestamp;
        bool polled = false;
        while (!_stopSignal.Wait(_options.Interval))
        {
            PollOnce(start);
            polled = true;
        }

        // A window shorter than one interval plus a poll's own time (a short case; a poll that is a process start on a
        // loaded machine) would end with no reading at all: one poll as it closes stands for it (Stop waits for it,
        // bounded by LongestPoll). A window that was polled keeps its readings as they were.
        if (!polled)
        {
            PollOnce(start);
        }
    }

    private void PollOnce(long start)
    {
        long now = Stopwatch.GetTimestamp();
        bool read;
        TSample? sample;
        try
        {
            read = _poll(now, Stopwatch.GetElapsedTime(start, now), out sample);
        }
        catch (IOException)
        {
            // Polls guard every read; this only catches the unexpected (e.g. a directory vanishing mid-enumeration).
            (read, sample) = (false, default);
        }
        catch (UnauthorizedAccessException)
        {
            (read, sample) = (false, default);
        }

        if (read)
        {
            AddSample(sample!);
        }
        else
        {
            CountUnparsed();
        }
    }
}
