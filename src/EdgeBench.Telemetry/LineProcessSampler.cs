using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EdgeBench.Telemetry;

/// <summary>What a line of a tool's stdout turned out to be.</summary>
internal enum LineDisposition
{
    /// <summary>Parsed into a sample that is kept.</summary>
    Sample,

    /// <summary>Parsed but not wanted (e.g. another GPU's line): neither kept nor counted as garbage.</summary>
    Ignored,

    /// <summary>Not the tool's output (a header, an error text, garbage).</summary>
    Unparsed,
}

/// <summary>Turns one stdout line, read at <paramref name="timestamp"/> (<paramref name="elapsed"/> since start), into
/// a sample. Called on the reader thread only, one line at a time, so it may keep state between lines.</summary>
internal delegate LineDisposition LineHandler<TSample>(string line, long timestamp, TimeSpan elapsed, out TSample? sample);

/// <summary>Settings of a <see cref="LineProcessSampler{TSample}"/>.</summary>
/// <param name="Tool">The tool: its name for messages and the hint that ends a start failure.</param>
/// <param name="Executable">Resolved executable (path or name on PATH).</param>
/// <param name="Arguments">Argument list, passed without a shell.</param>
/// <param name="StopTimeout">How long Stop waits after SIGINT (half) and SIGTERM (the rest) before killing the
/// process tree.</param>
internal sealed record LineProcessOptions(
    ToolExecutable Tool, string Executable, IReadOnlyList<string> Arguments, TimeSpan StopTimeout);

/// <summary>
/// The sampler lifecycle with a tool as its source (tegrastats, nvidia-smi): runs the tool as a foreground child with
/// stdout and stderr redirected, hands every stdout line to a <see cref="LineHandler{TSample}"/> on a background
/// reader, and stops it the way <see cref="ChildProcess.Stop"/> does (SIGINT, then SIGTERM, then kill the tree).
/// </summary>
/// <remarks>
/// A missing executable is a status, not an exception, so a benchmark run goes on without telemetry. "Exited early"
/// is decided when Stop begins: an exit caused by our own signal is not early. Dispose (or an exiting host) kills a
/// still-running process so none outlives the sampler.
/// </remarks>
internal sealed class LineProcessSampler<TSample> : SamplerLifecycle<TSample>
{
    // stderr is only needed to explain a failure; keep the tail so a chatty tool cannot grow memory without bound.
    private const int MaxStandardErrorChars = 4096;
    private const int MaxQuotedLineChars = 160;

    private readonly LineProcessOptions _options;
    private readonly LineHandler<TSample> _handler;
    private readonly StringBuilder _stderr = new();
    private Process? _process;
    private Task? _reader;
    private Task? _stderrReader;
    private int _ignored;
    private string? _firstUnparsedLine;
    private bool _readerDone;
    private bool _stopRequested;
    private int? _earlyExitCode;

    public LineProcessSampler(LineProcessOptions options, LineHandler<TSample> handler)
        : base(options?.Tool.DefaultName ?? throw new ArgumentNullException(nameof(options)))
    {
        ArgumentNullException.ThrowIfNull(handler);
        _options = options;
        _handler = handler;
    }

    public string Executable => _options.Executable;

    /// <summary>The child's process id once started (kept after exit so callers can check it is gone).</summary>
    public int? ProcessId { get; private set; }

    protected override bool IsProducingUnderLock => !_readerDone;

    protected override string? Launch()
    {
        Process? process = ChildProcess.TryStart(_options.Executable, _options.Arguments, out string? startError);
        if (process is null)
        {
            return $"could not start '{_options.Executable}': {startError}. {_options.Tool.FixHint}";
        }

        ProcessId = process.Id;
        lock (Gate)
        {
            _process = process;
        }

        return null;
    }

    protected override void BeginCollecting()
    {
        Process process = _process!;
        AppDomain.CurrentDomain.ProcessExit += OnHostExit;
        // Each pipe gets a dedicated LongRunning reader. stderr must not go through BeginErrorReadLine: its callbacks
        // run on the thread pool and, on a busy host, can arrive after Stop has built its reason, which would then
        // lack the tool's own explanation. A dedicated reader sees EOF as soon as the tool exits.
        StreamReader stdout = process.StandardOutput;
        StreamReader stderr = process.StandardError;
        _reader = Task.Factory.StartNew(() => ReadLoop(stdout), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _stderrReader = Task.Factory.StartNew(() => ReadStandardError(stderr), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    protected override void BeginStopUnderLock()
    {
        // Decide "exited early" now: once Stop signals the process, its exit is ours, not early.
        RefreshUnderLock();
        _stopRequested = true;
    }

    protected override TelemetryStopMethod EndCollecting()
    {
        Process process = _process!;
        TelemetryStopMethod method = ChildProcess.Stop(process, _options.StopTimeout);

        // The pipes reach EOF once every writer is gone; bounded because a grandchild could still hold them open.
        // Waiting on the handles, not Task.Wait, so a faulted reader can never turn Stop into an exception.
        long drainStart = Stopwatch.GetTimestamp();
        TimeSpan drain = _options.StopTimeout + TimeSpan.FromSeconds(1);
        ((IAsyncResult?)_reader)?.AsyncWaitHandle.WaitOne(drain);
        TimeSpan drainLeft = drain - Stopwatch.GetElapsedTime(drainStart);
        ((IAsyncResult?)_stderrReader)?.AsyncWaitHandle.WaitOne(drainLeft > TimeSpan.Zero ? drainLeft : TimeSpan.Zero);

        AppDomain.CurrentDomain.ProcessExit -= OnHostExit;
        return method;
    }

    // Order matters: an early exit explains a missing tail of samples better than "no samples", and garbage-only
    // output matters more than how the process was stopped.
    protected override TelemetryStopResult DescribeStopUnderLock(TelemetryStopMethod method)
    {
        Process process = _process!;
        // Also catches an exit that fell between the check in BeginStopUnderLock and ChildProcess.Stop.
        if (method == TelemetryStopMethod.AlreadyExited && _earlyExitCode is null)
        {
            _earlyExitCode = process.ExitCode;
        }

        int? exitCode = process.HasExited ? process.ExitCode : null;
        string? stderr = _stderr.Length == 0 ? null : _stderr.ToString();
        (TelemetryOutcome outcome, string? reason) = Classify(method);
        return new TelemetryStopResult(outcome, reason, method, SampleCountUnderLock, UnparsedCount, exitCode, stderr);
    }

    protected override void RefreshUnderLock()
    {
        if (!IsRunningUnderLock || _stopRequested || _process is not { HasExited: true } p)
        {
            return;
        }

        MarkExitedEarlyUnderLock();
        _earlyExitCode = p.ExitCode;
    }

    // Built on each read: stderr arrives asynchronously and may land after the exit was first noticed.
    protected override string? DescribeStatusUnderLock()
    {
        if (_earlyExitCode is not { } code)
        {
            return null;
        }

        string stderr = _stderr.Length == 0 ? "no stderr output" : "stderr: " + _stderr.ToString().Trim();
        // Tools such as nvidia-smi print their failure on stdout; quote it so the reason explains itself.
        int unparsed = UnparsedCount;
        string unparsedText = unparsed == 0 ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $" and {unparsed} unparsed line(s) (first: '{_firstUnparsedLine}')");
        return string.Create(CultureInfo.InvariantCulture,
            $"'{Executable}' exited by itself with code {code} after {SampleCountUnderLock} sample(s){unparsedText}; {stderr}");
    }

    protected override void ReleaseSource()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnHostExit;
        Process? process;
        lock (Gate)
        {
            process = _process;
            _process = null;
        }

        process?.Dispose();
    }

    // Called under Gate.
    private (TelemetryOutcome Outcome, string? Reason) Classify(TelemetryStopMethod method)
    {
        if (_earlyExitCode is not null)
        {
            return (TelemetryOutcome.ExitedEarly, DescribeStatusUnderLock());
        }

        int unparsed = UnparsedCount;
        if (SampleCountUnderLock == 0)
        {
            string what = unparsed == 0 && _ignored == 0
                ? "printed nothing"
                : unparsed == 0
                ? string.Create(CultureInfo.InvariantCulture,
                    $"printed {_ignored} line(s), all filtered out (e.g. another GPU than the one selected)")
                : string.Create(CultureInfo.InvariantCulture,
                    $"printed {unparsed} line(s), none of them {Source} output (first: '{_firstUnparsedLine}')");
            string stderr = _stderr.Length == 0 ? string.Empty : "; stderr: " + _stderr.ToString().Trim();
            string killed = method == TelemetryStopMethod.Killed ? "; it ignored SIGINT and SIGTERM and was killed" : string.Empty;
            return (TelemetryOutcome.NoSamples, $"'{Executable}' {what}{stderr}{killed}");
        }

        if (method == TelemetryStopMethod.Killed)
        {
            return (TelemetryOutcome.KilledOnStop, string.Create(CultureInfo.InvariantCulture,
                $"'{Executable}' did not exit within {_options.StopTimeout.TotalMilliseconds:0} ms of SIGINT and SIGTERM; its process tree was killed (samples kept)"));
        }

        return (TelemetryOutcome.Completed, null);
    }

    private void ReadLoop(StreamReader stdout)
    {
        long start = StartTimestamp;
        try
        {
            while (stdout.ReadLine() is { } line)
            {
                long now = Stopwatch.GetTimestamp();
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                LineDisposition disposition;
                TSample? sample;
                try
                {
                    disposition = _handler(line, now, Stopwatch.GetElapsedTime(start, now), out sample);
                }
                catch (FormatException)
                {
                    // Handlers use TryParse and should not throw; a bug there must not end sampling.
                    disposition = LineDisposition.Unparsed;
                    sample = default;
                }

                if (disposition == LineDisposition.Sample)
                {
                    AddSample(sample!);
                }
                else if (disposition == LineDisposition.Ignored)
                {
                    Interlocked.Increment(ref _ignored);
                }
                else if (CountUnparsed() == 1)
                {
                    Volatile.Write(ref _firstUnparsedLine,
                        line.Length > MaxQuotedLineChars ? line[..MaxQuotedLineChars] + "…" : line.Trim());
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke because the process was killed: the samples read so far stand.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while reading: same as above.
        }
        finally
        {
            lock (Gate)
            {
                _readerDone = true;
                Monitor.PulseAll(Gate);
            }
        }
    }

    private void ReadStandardError(StreamReader stderr)
    {
        try
        {
            while (stderr.ReadLine() is { } line)
            {
                lock (Gate)
                {
                    _stderr.AppendLine(line);
                    if (_stderr.Length > MaxStandardErrorChars)
                    {
                        _stderr.Remove(0, _stderr.Length - MaxStandardErrorChars);
                    }
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke because the process was killed: what arrived so far stands.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while reading: same as above.
        }
    }

    // Last line of defence: a host that exits without disposing must not leave the tool running.
    private void OnHostExit(object? sender, EventArgs e)
    {
        // Registered from BeginCollecting to the end of EndCollecting only, so the process here is one Stop has not
        // ended yet.
        Process? process;
        lock (Gate)
        {
            process = _process;
        }

        if (process is { HasExited: false })
        {
            ChildProcess.KillTree(process);
        }
    }
}
