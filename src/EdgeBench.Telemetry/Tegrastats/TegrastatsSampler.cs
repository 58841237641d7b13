using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EdgeBench.Telemetry.Tegrastats;

/// <summary>Settings of a <see cref="TegrastatsSampler"/>.</summary>
public sealed record TegrastatsSamplerOptions
{
    /// <summary>Executable to run; null means <c>$EDGEBENCH_TEGRASTATS</c>, else <c>tegrastats</c> on PATH. Tests
    /// point it at a fake script.</summary>
    public string? ExecutablePath { get; init; }

    /// <summary>Sampling interval passed as <c>--interval &lt;ms&gt;</c>. The first line arrives one interval after start.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long <see cref="TegrastatsSampler.Stop"/> waits after SIGINT before killing the process tree.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>Lifecycle state of a <see cref="TegrastatsSampler"/>.</summary>
public enum TegrastatsSamplerStatus
{
    /// <summary><see cref="TegrastatsSampler.Start"/> has not been called.</summary>
    NotStarted,

    /// <summary>The process could not be started (e.g. missing executable); see <see cref="TegrastatsSampler.StatusMessage"/>.</summary>
    StartFailed,

    /// <summary>The process is running and its lines are being read.</summary>
    Running,

    /// <summary>The process ended on its own before <see cref="TegrastatsSampler.Stop"/>; see
    /// <see cref="TegrastatsSampler.StatusMessage"/> (exit code and stderr).</summary>
    ExitedEarly,

    /// <summary><see cref="TegrastatsSampler.Stop"/> has run.</summary>
    Stopped,
}

/// <summary>How <see cref="TegrastatsSampler.Stop"/> ended the process.</summary>
public enum TegrastatsStopMethod
{
    /// <summary>There was no process (never started, start failed, or already stopped).</summary>
    NotRunning,

    /// <summary>The process had already exited by itself.</summary>
    AlreadyExited,

    /// <summary>The process exited after SIGINT within the stop timeout.</summary>
    Interrupted,

    /// <summary>SIGINT was not honoured in time (or cannot be sent on this OS); the process tree was killed.</summary>
    Killed,
}

/// <summary>A parsed line with the time it was read.</summary>
/// <param name="Elapsed">Time since <see cref="TegrastatsSampler.Start"/> (Stopwatch-based, monotonic).</param>
/// <param name="StopwatchTimestamp">Raw <see cref="Stopwatch.GetTimestamp"/> at read time, to correlate with other
/// Stopwatch-based measurements.</param>
/// <param name="Sample">The parsed line.</param>
public readonly record struct TimedTegrastatsSample(TimeSpan Elapsed, long StopwatchTimestamp, TegrastatsSample Sample);

/// <summary>Outcome of <see cref="TegrastatsSampler.Stop"/>.</summary>
/// <param name="Method">How the process ended.</param>
/// <param name="ExitCode">The process exit code where known (on Unix 128+signal for a signalled process).</param>
/// <param name="SampleCount">Number of parsed lines kept.</param>
/// <param name="UnparsedLines">Number of non-blank lines that were not tegrastats output.</param>
/// <param name="StandardError">The tail of the process's stderr, or null when it printed nothing.</param>
public sealed record TegrastatsStopResult(
    TegrastatsStopMethod Method, int? ExitCode, int SampleCount, int UnparsedLines, string? StandardError);

/// <summary>
/// Runs <c>tegrastats --interval &lt;ms&gt;</c> as a foreground child, parses every stdout line on a background task
/// and stops it with SIGINT, then (after <see cref="TegrastatsSamplerOptions.StopTimeout"/>) by killing the process
/// tree. One instance samples one run: tegrastats' printed averages accumulate from its start (tegrastats.md §6).
/// </summary>
/// <remarks>
/// SIGINT first, because when tegrastats runs under <c>sudo</c> only a catchable signal is relayed to it;
/// <see cref="Process.Kill(bool)"/> sends SIGKILL, which would leave a root-owned tegrastats running. Never uses
/// <c>tegrastats --stop</c> or a kill by name: those would end other tools' instances. A missing executable is a
/// status (<see cref="TegrastatsSamplerStatus.StartFailed"/>), not an exception, so a benchmark run goes on
/// without telemetry. Dispose (or an exiting host) kills a still-running process so none outlives the sampler.
/// </remarks>
public sealed class TegrastatsSampler : IDisposable
{
    /// <summary>Environment variable that overrides the executable (e.g. a full path or a fake in tests).</summary>
    public const string ExecutableEnvironmentVariable = "EDGEBENCH_TEGRASTATS";

    /// <summary>Executable used when neither the options nor the environment name one.</summary>
    public const string DefaultExecutable = "tegrastats";

    // stderr is only needed to explain a failure; keep the tail so a chatty tool cannot grow memory without bound.
    private const int MaxStandardErrorChars = 4096;

    private readonly TegrastatsSamplerOptions _options;
    private readonly object _gate = new();
    private readonly List<TimedTegrastatsSample> _samples = [];
    private readonly StringBuilder _stderr = new();
    private Process? _process;
    private Task? _reader;
    private long _startTimestamp;
    private int _unparsed;
    private bool _readerDone;
    private TegrastatsSamplerStatus _status = TegrastatsSamplerStatus.NotStarted;
    private string? _statusMessage;
    private int? _earlyExitCode;
    private TegrastatsStopResult? _stopResult;

    /// <summary>Creates a sampler; nothing starts until <see cref="Start"/>.</summary>
    public TegrastatsSampler(TegrastatsSamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Interval, TimeSpan.FromMilliseconds(1), nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StopTimeout, TimeSpan.Zero, nameof(options));
        _options = options;
    }

    /// <summary>Current lifecycle state.</summary>
    public TegrastatsSamplerStatus Status
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

    /// <summary>Human-readable detail for <see cref="TegrastatsSamplerStatus.StartFailed"/> and
    /// <see cref="TegrastatsSamplerStatus.ExitedEarly"/>; null otherwise.</summary>
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

    /// <summary>The executable actually used (after resolving options and environment).</summary>
    public string? Executable { get; private set; }

    /// <summary>A snapshot of the parsed samples so far, in arrival order.</summary>
    public IReadOnlyList<TimedTegrastatsSample> Samples
    {
        get
        {
            lock (_gate)
            {
                return _samples.ToArray();
            }
        }
    }

    /// <summary>Number of non-blank stdout lines that did not parse as tegrastats output.</summary>
    public int UnparsedLines => Volatile.Read(ref _unparsed);

    /// <summary>Picks the executable: the configured path, else the environment variable, else <c>tegrastats</c>.</summary>
    internal static string ResolveExecutable(string? configured, Func<string, string?> getEnvironmentVariable)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        string? fromEnvironment = getEnvironmentVariable(ExecutableEnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultExecutable : fromEnvironment;
    }

    /// <summary>Starts the process. Returns false (with <see cref="Status"/> = StartFailed and a message) when it
    /// cannot be started. A sampler starts once.</summary>
    public bool Start()
    {
        lock (_gate)
        {
            if (_status != TegrastatsSamplerStatus.NotStarted)
            {
                throw new InvalidOperationException("A TegrastatsSampler starts once; create a new one per run.");
            }
        }

        string exe = ResolveExecutable(_options.ExecutablePath, Environment.GetEnvironmentVariable);
        Executable = exe;
        long intervalMs = Math.Max(1, (long)Math.Round(_options.Interval.TotalMilliseconds));
        var startInfo = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        startInfo.ArgumentList.Add("--interval");
        startInfo.ArgumentList.Add(intervalMs.ToString(CultureInfo.InvariantCulture));

        var process = new Process { StartInfo = startInfo };
        process.ErrorDataReceived += OnStandardError;
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            lock (_gate)
            {
                _status = TegrastatsSamplerStatus.StartFailed;
                _statusMessage = $"could not start '{exe}': {ex.Message}. Install tegrastats (Jetson only), or set "
                    + $"{ExecutableEnvironmentVariable} or ExecutablePath to its full path.";
            }

            return false;
        }

        _startTimestamp = Stopwatch.GetTimestamp();
        ProcessId = process.Id;
        lock (_gate)
        {
            _process = process;
            _status = TegrastatsSamplerStatus.Running;
        }

        AppDomain.CurrentDomain.ProcessExit += OnHostExit;
        process.BeginErrorReadLine();
        StreamReader stdout = process.StandardOutput;
        _reader = Task.Factory.StartNew(() => ReadLoop(stdout), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return true;
    }

    /// <summary>Waits until at least <paramref name="count"/> samples were parsed; false on timeout or when the
    /// process's output ended first.</summary>
    public bool WaitForSamples(int count, TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            while (_samples.Count < count)
            {
                long left = deadline - Stopwatch.GetTimestamp();
                if (_readerDone || _status != TegrastatsSamplerStatus.Running || left <= 0)
                {
                    return _samples.Count >= count;
                }

                Monitor.Wait(_gate, TimeSpan.FromSeconds(Math.Min((double)left / Stopwatch.Frequency, 1)));
            }

            return true;
        }
    }

    /// <summary>Stops the process: SIGINT (Unix), wait up to <see cref="TegrastatsSamplerOptions.StopTimeout"/>, then
    /// kill the whole process tree. Safe to call more than once and when nothing was started.</summary>
    public TegrastatsStopResult Stop()
    {
        Process? process;
        lock (_gate)
        {
            if (_stopResult is not null)
            {
                return _stopResult;
            }

            process = _process;
            if (process is null)
            {
                return new TegrastatsStopResult(TegrastatsStopMethod.NotRunning, null, 0, UnparsedLines, null);
            }
        }

        TegrastatsStopMethod method;
        if (process.HasExited)
        {
            method = TegrastatsStopMethod.AlreadyExited;
        }
        else if (TrySendInterrupt(process.Id) && process.WaitForExit(_options.StopTimeout))
        {
            method = TegrastatsStopMethod.Interrupted;
        }
        else
        {
            KillTree(process);
            method = TegrastatsStopMethod.Killed;
        }

        // The pipes reach EOF once every writer is gone; bounded because a grandchild could still hold them open.
        // WaitForExit() without a timeout is the call that also drains the asynchronous stderr reader.
        TimeSpan drain = _options.StopTimeout + TimeSpan.FromSeconds(1);
        // Waiting on the handle, not Task.Wait, so a faulted reader can never turn Stop into an exception.
        ((IAsyncResult?)_reader)?.AsyncWaitHandle.WaitOne(drain);
        if (process.HasExited)
        {
            ((IAsyncResult)Task.Run(process.WaitForExit)).AsyncWaitHandle.WaitOne(drain);
        }

        AppDomain.CurrentDomain.ProcessExit -= OnHostExit;

        lock (_gate)
        {
            RefreshExitedEarly();
            int? exitCode = process.HasExited ? process.ExitCode : null;
            string? stderr = _stderr.Length == 0 ? null : _stderr.ToString();
            _stopResult = new TegrastatsStopResult(method, exitCode, _samples.Count, UnparsedLines, stderr);
            if (_status == TegrastatsSamplerStatus.Running)
            {
                _status = TegrastatsSamplerStatus.Stopped;
            }
            else if (_status == TegrastatsSamplerStatus.ExitedEarly)
            {
                // Keep the early-exit explanation in the message but report the final state.
                _status = TegrastatsSamplerStatus.Stopped;
            }

            Monitor.PulseAll(_gate);
            return _stopResult;
        }
    }

    /// <summary>Stops the process if it still runs and releases it.</summary>
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

    private static bool TrySendInterrupt(int pid)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return NativeMethods.Kill(pid, NativeMethods.SigInt) == 0;
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

    private static void KillTree(Process process)
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

    private void ReadLoop(StreamReader stdout)
    {
        try
        {
            while (stdout.ReadLine() is { } line)
            {
                long now = Stopwatch.GetTimestamp();
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                if (TegrastatsParser.TryParse(line, out TegrastatsSample sample))
                {
                    lock (_gate)
                    {
                        _samples.Add(new TimedTegrastatsSample(Stopwatch.GetElapsedTime(_startTimestamp, now), now, sample));
                        Monitor.PulseAll(_gate);
                    }
                }
                else
                {
                    Interlocked.Increment(ref _unparsed);
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

    private void OnStandardError(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            return;
        }

        lock (_gate)
        {
            _stderr.AppendLine(e.Data);
            if (_stderr.Length > MaxStandardErrorChars)
            {
                _stderr.Remove(0, _stderr.Length - MaxStandardErrorChars);
            }
        }
    }

    // Called under _gate.
    private void RefreshExitedEarly()
    {
        if (_status != TegrastatsSamplerStatus.Running || _process is not { HasExited: true } p || _stopResult is not null)
        {
            return;
        }

        _status = TegrastatsSamplerStatus.ExitedEarly;
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
        return string.Create(CultureInfo.InvariantCulture,
            $"'{Executable}' exited by itself with code {code} after {_samples.Count} sample(s); {stderr}");
    }

    // Last line of defence: a host that exits without disposing must not leave tegrastats running.
    private void OnHostExit(object? sender, EventArgs e)
    {
        Process? process;
        lock (_gate)
        {
            process = _stopResult is null ? _process : null;
        }

        if (process is { HasExited: false })
        {
            KillTree(process);
        }
    }
}
