using System.ComponentModel;
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
/// <param name="Source">Short tool name for messages (<c>tegrastats</c>).</param>
/// <param name="Executable">Resolved executable (path or name on PATH).</param>
/// <param name="Arguments">Argument list, passed without a shell.</param>
/// <param name="StopTimeout">How long Stop waits after SIGINT before killing the process tree.</param>
/// <param name="InstallHint">Sentence appended to a start failure, e.g. which variable names the executable.</param>
internal sealed record LineProcessOptions(
    string Source, string Executable, IReadOnlyList<string> Arguments, TimeSpan StopTimeout, string InstallHint);

/// <summary>
/// The process lifecycle shared by the tool samplers (tegrastats, nvidia-smi): runs the tool as a foreground child
/// with stdout and stderr redirected, hands every stdout line to a <see cref="LineHandler{TSample}"/> on a
/// background reader, and stops it with SIGINT, then SIGTERM (each given half the stop timeout), then by killing the
/// process tree.
/// </summary>
/// <remarks>
/// Signals first, because when a tool runs under <c>sudo</c> only a catchable signal is relayed to it;
/// <see cref="Process.Kill(bool)"/> sends SIGKILL, which would leave a root-owned child running. SIGINT is the tools'
/// documented stop (tegrastats, nvidia-smi's loop); SIGTERM follows because a process started with SIGINT ignored
/// (any background job, e.g. a benchmark run under <c>nohup ... &amp;</c> over SSH) inherits that and cannot even
/// trap it, sudo included, while SIGTERM is never ignored that way. Never kills by name:
/// that would end other tools' instances. A missing executable is a status, not an exception, so a benchmark run
/// goes on without telemetry. Dispose (or an exiting host) kills a still-running process so none outlives it.
/// </remarks>
internal sealed class LineProcessSampler<TSample> : IDisposable
{
    // stderr is only needed to explain a failure; keep the tail so a chatty tool cannot grow memory without bound.
    private const int MaxStandardErrorChars = 4096;
    private const int MaxQuotedLineChars = 160;

    private readonly LineProcessOptions _options;
    private readonly LineHandler<TSample> _handler;
    private readonly object _gate = new();
    private readonly List<TSample> _samples = [];
    private readonly StringBuilder _stderr = new();
    private Process? _process;
    private Task? _reader;
    private Task? _stderrReader;
    private long _startTimestamp;
    private int _unparsed;
    private int _ignored;
    private string? _firstUnparsedLine;
    private bool _readerDone;
    private bool _stopRequested;
    private TelemetrySamplerStatus _status = TelemetrySamplerStatus.NotStarted;
    private string? _statusMessage;
    private int? _earlyExitCode;
    private TelemetryStopResult? _stopResult;

    public LineProcessSampler(LineProcessOptions options, LineHandler<TSample> handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        _options = options;
        _handler = handler;
    }

    public string Executable => _options.Executable;

    public TelemetrySamplerStatus Status
    {
        get
        {
            lock (_gate)
            {
                RefreshExitedEarly();
                return _status;
            }
        }
    }

    public string? StatusMessage
    {
        get
        {
            lock (_gate)
            {
                RefreshExitedEarly();
                return BuildStatusMessage();
            }
        }
    }

    /// <summary>The child's process id once started (kept after exit so callers can check it is gone).</summary>
    public int? ProcessId { get; private set; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> right after the process started; 0 before.</summary>
    public long StartTimestamp => Volatile.Read(ref _startTimestamp);

    public int UnparsedLines => Volatile.Read(ref _unparsed);

    public IReadOnlyList<TSample> Samples
    {
        get
        {
            lock (_gate)
            {
                return _samples.ToArray();
            }
        }
    }

    public bool Start()
    {
        lock (_gate)
        {
            if (_status != TelemetrySamplerStatus.NotStarted)
            {
                throw new InvalidOperationException($"A {_options.Source} sampler starts once; create a new one per run.");
            }
        }

        string exe = _options.Executable;
        var startInfo = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (string argument in _options.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            lock (_gate)
            {
                _status = TelemetrySamplerStatus.StartFailed;
                _statusMessage = $"could not start '{exe}': {ex.Message}. {_options.InstallHint}";
            }

            return false;
        }

        Volatile.Write(ref _startTimestamp, Stopwatch.GetTimestamp());
        ProcessId = process.Id;
        lock (_gate)
        {
            _process = process;
            _status = TelemetrySamplerStatus.Running;
        }

        AppDomain.CurrentDomain.ProcessExit += OnHostExit;
        // Both pipes get a dedicated reader thread. stderr used to go through BeginErrorReadLine, whose callbacks run on
        // the thread pool: on a busy 2-core host (CI running tests in parallel) they could arrive after Stop had
        // already built its reason, which then lacked the tool's own explanation.
        StreamReader stdout = process.StandardOutput;
        StreamReader stderr = process.StandardError;
        _reader = Task.Factory.StartNew(() => ReadLoop(stdout), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _stderrReader = Task.Factory.StartNew(() => ReadStandardError(stderr), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return true;
    }

    public bool WaitForSamples(int count, TimeSpan timeout) =>
        SampleWait.Until(_gate, () => _samples.Count >= count, () => !_readerDone && _status == TelemetrySamplerStatus.Running, timeout);

    /// <summary>SIGINT (Unix), wait up to the stop timeout, then kill the whole process tree. Idempotent (returns the
    /// same result object); safe when nothing was started.</summary>
    public TelemetryStopResult Stop()
    {
        Process? process;
        lock (_gate)
        {
            if (_stopResult is not null)
            {
                return _stopResult;
            }

            process = _process;
            if (process is not null)
            {
                // Decide "exited early" now: once Stop signals the process, its exit is ours, not early.
                RefreshExitedEarly();
                _stopRequested = true;
            }
            else
            {
                // Not cached: nothing ran, so there is nothing a later call could see differently.
                return _status == TelemetrySamplerStatus.StartFailed
                    ? new TelemetryStopResult(TelemetryOutcome.StartFailed, _statusMessage, TelemetryStopMethod.NotRunning, 0, UnparsedLines, null, null)
                    : new TelemetryStopResult(TelemetryOutcome.NotStarted, $"{_options.Source} sampler was not started",
                        TelemetryStopMethod.NotRunning, 0, UnparsedLines, null, null);
            }
        }

        TelemetryStopMethod method;
        // SIGINT gets half the stop timeout and SIGTERM the rest; all of it when SIGINT cannot work here.
        TimeSpan interruptWait = ChildProcess.SigintIgnoredHere ? TimeSpan.Zero : _options.StopTimeout / 2;
        if (process.HasExited)
        {
            method = TelemetryStopMethod.AlreadyExited;
        }
        else if (interruptWait > TimeSpan.Zero && ChildProcess.StopWithSignal(process, NativeMethods.SigInt, interruptWait))
        {
            method = TelemetryStopMethod.Interrupted;
        }
        else if (ChildProcess.StopWithSignal(process, NativeMethods.SigTerm, _options.StopTimeout - interruptWait))
        {
            method = TelemetryStopMethod.Terminated;
        }
        else
        {
            ChildProcess.KillTree(process);
            method = TelemetryStopMethod.Killed;
        }

        // The pipes reach EOF once every writer is gone; bounded because a grandchild could still hold them open.
        // Waiting on the handles, not Task.Wait, so a faulted reader can never turn Stop into an exception.
        long drainStart = Stopwatch.GetTimestamp();
        TimeSpan drain = _options.StopTimeout + TimeSpan.FromSeconds(1);
        ((IAsyncResult?)_reader)?.AsyncWaitHandle.WaitOne(drain);
        TimeSpan drainLeft = drain - Stopwatch.GetElapsedTime(drainStart);
        ((IAsyncResult?)_stderrReader)?.AsyncWaitHandle.WaitOne(drainLeft > TimeSpan.Zero ? drainLeft : TimeSpan.Zero);

        AppDomain.CurrentDomain.ProcessExit -= OnHostExit;

        lock (_gate)
        {
            // Also catches an exit that fell between the check at the top and HasExited above.
            if (method == TelemetryStopMethod.AlreadyExited && _earlyExitCode is null)
            {
                _earlyExitCode = process.ExitCode;
            }

            bool exitedEarly = _earlyExitCode is not null;
            int? exitCode = process.HasExited ? process.ExitCode : null;
            string? stderr = _stderr.Length == 0 ? null : _stderr.ToString();
            (TelemetryOutcome outcome, string? reason) = Classify(method, exitedEarly);
            _stopResult = new TelemetryStopResult(outcome, reason, method, _samples.Count, UnparsedLines, exitCode, stderr);

            // Keep an early-exit explanation in StatusMessage but report the final state.
            _status = TelemetrySamplerStatus.Stopped;
            Monitor.PulseAll(_gate);
            return _stopResult;
        }
    }

    public void Dispose()
    {
        Stop();
        AppDomain.CurrentDomain.ProcessExit -= OnHostExit;
        Process? process;
        lock (_gate)
        {
            process = _process;
            _process = null;
        }

        process?.Dispose();
    }

    // Called under _gate. Order matters: an early exit explains a missing tail of samples better than "no samples",
    // and garbage-only output matters more than how the process was stopped.
    private (TelemetryOutcome Outcome, string? Reason) Classify(TelemetryStopMethod method, bool exitedEarly)
    {
        if (exitedEarly)
        {
            return (TelemetryOutcome.ExitedEarly, BuildStatusMessage());
        }

        if (_samples.Count == 0)
        {
            string what = _unparsed == 0 && _ignored == 0
                ? "printed nothing"
                : _unparsed == 0
                ? string.Create(CultureInfo.InvariantCulture,
                    $"printed {_ignored} line(s), all filtered out (e.g. another GPU than the one selected)")
                : string.Create(CultureInfo.InvariantCulture,
                    $"printed {_unparsed} line(s), none of them {_options.Source} output (first: '{_firstUnparsedLine}')");
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
        long start = Volatile.Read(ref _startTimestamp);
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
                    lock (_gate)
                    {
                        _samples.Add(sample!);
                        Monitor.PulseAll(_gate);
                    }
                }
                else if (disposition == LineDisposition.Ignored)
                {
                    Interlocked.Increment(ref _ignored);
                }
                else
                {
                    if (Interlocked.Increment(ref _unparsed) == 1)
                    {
                        Volatile.Write(ref _firstUnparsedLine,
                            line.Length > MaxQuotedLineChars ? line[..MaxQuotedLineChars] + "…" : line.Trim());
                    }
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
            lock (_gate)
            {
                _readerDone = true;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void ReadStandardError(StreamReader stderr)
    {
        try
        {
            while (stderr.ReadLine() is { } line)
            {
                lock (_gate)
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

    // Called under _gate.
    private void RefreshExitedEarly()
    {
        if (_status != TelemetrySamplerStatus.Running || _stopRequested || _process is not { HasExited: true } p)
        {
            return;
        }

        _status = TelemetrySamplerStatus.ExitedEarly;
        _earlyExitCode = p.ExitCode;
    }

    // Built on each read: stderr arrives asynchronously and may land after the exit was first noticed.
    private string? BuildStatusMessage()
    {
        if (_earlyExitCode is not { } code)
        {
            return _statusMessage;
        }

        string stderr = _stderr.Length == 0 ? "no stderr output" : "stderr: " + _stderr.ToString().Trim();
        // Tools such as nvidia-smi print their failure on stdout; quote it so the reason explains itself.
        string unparsed = _unparsed == 0 ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $" and {_unparsed} unparsed line(s) (first: '{_firstUnparsedLine}')");
        return string.Create(CultureInfo.InvariantCulture,
            $"'{Executable}' exited by itself with code {code} after {_samples.Count} sample(s){unparsed}; {stderr}");
    }

    // Last line of defence: a host that exits without disposing must not leave the tool running.
    private void OnHostExit(object? sender, EventArgs e)
    {
        Process? process;
        lock (_gate)
        {
            process = _stopResult is null ? _process : null;
        }

        if (process is { HasExited: false })
        {
            ChildProcess.KillTree(process);
        }
    }
}

/// <summary>Signal and kill helpers for the samplers' own child processes (never by name).</summary>
internal static class ChildProcess
{
    private static readonly Lazy<bool> s_sigintIgnored = new(ReadSigintIgnored);

    /// <summary>
    /// Whether this process runs with SIGINT ignored (Linux: the SigIgn mask of /proc/self/status), as a background
    /// job does; its children inherit that and cannot honour SIGINT, so Stop goes straight to SIGTERM.
    /// </summary>
    internal static bool SigintIgnoredHere => s_sigintIgnored.Value;

    /// <summary>Sends <paramref name="signal"/> and waits up to <paramref name="wait"/>; true when the process has
    /// exited (also when it exited just after the wait, or the signal could not be sent because it was gone).</summary>
    internal static bool StopWithSignal(Process process, int signal, TimeSpan wait) =>
        (TrySendSignal(process.Id, signal) && process.WaitForExit(wait)) || process.HasExited;

    internal static bool TrySendSignal(int pid, int signal)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return NativeMethods.Kill(pid, signal) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static bool ReadSigintIgnored()
    {
        try
        {
            string? line = OperatingSystem.IsLinux()
                ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))
                : null;
            // A hex mask with bit (signal - 1) set per ignored signal.
            return line is not null
                && ulong.TryParse(line.AsSpan("SigIgn:".Length).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong mask)
                && (mask & (1UL << (NativeMethods.SigInt - 1))) != 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill: nothing left to do.
        }
        catch (Win32Exception)
        {
            // Not ours to kill (e.g. a setuid child); the wait below reports whether it is gone.
        }

        process.WaitForExit(TimeSpan.FromSeconds(5));
    }
}
