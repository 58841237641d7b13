using System.Diagnostics;

namespace EdgeBench.Telemetry;

/// <summary>
/// The lifecycle every sampler shares, whatever produces its samples (a tool's output lines,
/// <see cref="LineProcessSampler{TSample}"/>; a poll on a timer, <see cref="PollingSampler{TSample}"/>): start once,
/// status and status message, time-stamped samples kept under one lock, <see cref="WaitForSamples"/>, and a
/// <see cref="Stop"/> that is idempotent, safe when nothing started, and never throws.
/// </summary>
/// <remarks>
/// The samples are kept after <see cref="Stop"/> and <see cref="IDisposable.Dispose"/>: a caller summarises (or
/// lays out as a timeline) the whole window once sampling has ended. Each <typeparamref name="TSample"/> carries its
/// own time since <see cref="StartTimestamp"/>.
/// </remarks>
/// <typeparam name="TSample">The sampler's own time-stamped sample.</typeparam>
internal abstract class SamplerLifecycle<TSample> : IDisposable
{
    private readonly List<TSample> _samples = [];
    private TelemetrySamplerStatus _status = TelemetrySamplerStatus.NotStarted;
    private bool _startCalled;
    private string? _startFailure;
    private TelemetryStopResult? _stopResult;
    private long _startTimestamp;
    private int _unparsed;
    private bool _disposed;

    protected SamplerLifecycle(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        Source = source;
    }

    /// <summary>Short name of the source for messages (<c>tegrastats</c>, <c>nvidia-smi</c>, <c>linux</c>).</summary>
    public string Source { get; }

    /// <summary>Current lifecycle state.</summary>
    public TelemetrySamplerStatus Status
    {
        get
        {
            lock (Gate)
            {
                RefreshUnderLock();
                return _status;
            }
        }
    }

    /// <summary>Why the sampler could not start or ended early; null while all is well.</summary>
    public string? StatusMessage
    {
        get
        {
            lock (Gate)
            {
                RefreshUnderLock();
                return DescribeStatusUnderLock() ?? _startFailure;
            }
        }
    }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> when sampling started; 0 before.</summary>
    public long StartTimestamp => Volatile.Read(ref _startTimestamp);

    /// <summary>Lines (or polls) that produced no sample because they could not be read or parsed.</summary>
    public int UnparsedCount => Volatile.Read(ref _unparsed);

    /// <summary>A snapshot of the samples kept so far, in arrival order; still complete after Stop and Dispose.</summary>
    public IReadOnlyList<TSample> Samples
    {
        get
        {
            lock (Gate)
            {
                return _samples.ToArray();
            }
        }
    }

    /// <summary>The lock over the samples and the state. The producer pulses it (through <see cref="AddSample"/>) so
    /// <see cref="WaitForSamples"/> wakes up.</summary>
    protected object Gate { get; } = new();

    /// <summary>Samples kept so far; the caller holds <see cref="Gate"/>.</summary>
    protected int SampleCountUnderLock => _samples.Count;

    /// <summary>Starts sampling. False (with <see cref="Status"/> = StartFailed and a message) when it cannot start.
    /// Throws <see cref="InvalidOperationException"/> on a second call: one instance samples one window.</summary>
    public bool Start()
    {
        lock (Gate)
        {
            if (_startCalled)
            {
                throw new InvalidOperationException($"A {Source} sampler starts once; create a new one per run.");
            }

            _startCalled = true;
        }

        if (Launch() is { } failure)
        {
            lock (Gate)
            {
                _status = TelemetrySamplerStatus.StartFailed;
                _startFailure = failure;
            }

            return false;
        }

        Volatile.Write(ref _startTimestamp, Stopwatch.GetTimestamp());
        lock (Gate)
        {
            _status = TelemetrySamplerStatus.Running;
        }

        BeginCollecting();
        return true;
    }

    /// <summary>Waits until at least <paramref name="count"/> samples exist; false on timeout or when no more can come.</summary>
    public bool WaitForSamples(int count, TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (Gate)
        {
            while (_samples.Count < count)
            {
                long left = deadline - Stopwatch.GetTimestamp();
                if (_status != TelemetrySamplerStatus.Running || !IsProducingUnderLock || left <= 0)
                {
                    return _samples.Count >= count;
                }

                // At most a second at a time, so a pulse a producer forgets costs a second, not the whole timeout.
                Monitor.Wait(Gate, TimeSpan.FromSeconds(Math.Min((double)left / Stopwatch.Frequency, 1)));
            }

            return true;
        }
    }

    /// <summary>Ends sampling and says what the window is good for. Idempotent (returns the same result object once
    /// something ran); safe when nothing was started; never throws for a broken source.</summary>
    public TelemetryStopResult Stop()
    {
        lock (Gate)
        {
            if (_stopResult is not null)
            {
                return _stopResult;
            }

            // Not cached: nothing ran, so there is nothing a later call could see differently.
            switch (_status)
            {
                case TelemetrySamplerStatus.NotStarted:
                    return new TelemetryStopResult(TelemetryOutcome.NotStarted, $"{Source} sampler was not started",
                        TelemetryStopMethod.NotRunning, 0, UnparsedCount, null, null);
                case TelemetrySamplerStatus.StartFailed:
                    return new TelemetryStopResult(TelemetryOutcome.StartFailed, _startFailure,
                        TelemetryStopMethod.NotRunning, 0, UnparsedCount, null, null);
            }

            BeginStopUnderLock();
        }

        TelemetryStopMethod method = EndCollecting();
        lock (Gate)
        {
            _stopResult = DescribeStopUnderLock(method);
            _status = TelemetrySamplerStatus.Stopped;
            Monitor.PulseAll(Gate);
            return _stopResult;
        }
    }

    /// <summary>Stops sampling and releases what the source holds; the samples stay readable.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops (once) and lets the source release its resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        Stop();
        ReleaseSource();
    }

    /// <summary>Keeps a sample and wakes <see cref="WaitForSamples"/>.</summary>
    protected void AddSample(TSample sample)
    {
        lock (Gate)
        {
            _samples.Add(sample);
            Monitor.PulseAll(Gate);
        }
    }

    /// <summary>Counts a line or poll that produced no sample; returns the new count.</summary>
    protected int CountUnparsed() => Interlocked.Increment(ref _unparsed);

    /// <summary>Called under <see cref="Gate"/> by a source that finds its producer gone by itself: Running becomes
    /// ExitedEarly (no other state changes).</summary>
    protected void MarkExitedEarlyUnderLock()
    {
        if (_status == TelemetrySamplerStatus.Running)
        {
            _status = TelemetrySamplerStatus.ExitedEarly;
        }
    }

    /// <summary>Whether <see cref="Status"/> is Running; the caller holds <see cref="Gate"/>.</summary>
    protected bool IsRunningUnderLock => _status == TelemetrySamplerStatus.Running;

    /// <summary>Whether the source can still produce samples (besides being Running); the caller holds <see cref="Gate"/>.</summary>
    protected virtual bool IsProducingUnderLock => true;

    /// <summary>Acquires the source (starts the process, checks the directory); null on success, else why not.
    /// Called once, outside the lock.</summary>
    protected abstract string? Launch();

    /// <summary>Begins producing samples (reader threads, polling thread), after <see cref="StartTimestamp"/> is set
    /// and the status is Running. Called outside the lock.</summary>
    protected abstract void BeginCollecting();

    /// <summary>Ends production and waits (bounded) for it to finish; says how. Called once, outside the lock.</summary>
    protected abstract TelemetryStopMethod EndCollecting();

    /// <summary>The stop result for <paramref name="method"/>; the caller holds <see cref="Gate"/>.</summary>
    protected abstract TelemetryStopResult DescribeStopUnderLock(TelemetryStopMethod method);

    /// <summary>Under <see cref="Gate"/> as Stop begins, before <see cref="EndCollecting"/>: the last moment the source
    /// can tell its own end from the one Stop causes.</summary>
    protected virtual void BeginStopUnderLock()
    {
    }

    /// <summary>Under <see cref="Gate"/> before the state is read: lets the source notice it has ended by itself.</summary>
    protected virtual void RefreshUnderLock()
    {
    }

    /// <summary>A status message that replaces the start failure (an early exit); the caller holds <see cref="Gate"/>.</summary>
    protected virtual string? DescribeStatusUnderLock() => null;

    /// <summary>Releases the source's resources after the final Stop.</summary>
    protected virtual void ReleaseSource()
    {
    }
}
