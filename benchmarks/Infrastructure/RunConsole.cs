using System.Collections.Concurrent;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// What a run shows and where its log goes. BenchmarkDotNet's full log (every iteration of every case, its summary
/// table) and whatever the cases print go to <see cref="LogFileName"/> in the run folder; the console gets the
/// progress (<see cref="RunProgress"/>), the failures as they happen and the end screen. <c>--verbose</c> brings the
/// full log back to the console as well.
/// </summary>
/// <remarks>
/// Console.Out itself is redirected while the run lasts: the cases run in this process (in-process toolchain) and some
/// print facts of their setup with Console.WriteLine; those lines belong with BenchmarkDotNet's log, not between
/// progress lines. The terminal writer is kept for the progress and the end screen.
/// </remarks>
internal sealed class RunConsole : IDisposable
{
    public const string LogFileName = "benchmarkdotnet.log";

    /// <summary>Line width of the end screen where stdout is not a terminal (CI logs do not wrap).</summary>
    private const int PipeWidth = 160;

    private readonly TextWriter _previousOut;
    private readonly StreamWriter _logFile;
    private readonly Lock _terminalLock = new();
    private string _status = string.Empty;
    private bool _disposed;

    private RunConsole(string runDirectory, bool verbose, TextWriter terminal, bool isTerminal)
    {
        Verbose = verbose;
        Terminal = terminal;
        IsTerminal = isTerminal;
        _previousOut = Console.Out;
        _logFile = new StreamWriter(Path.Combine(runDirectory, LogFileName)) { AutoFlush = true };
        TextWriter log = TextWriter.Synchronized(_logFile);
        Messages = new StatusAwareWriter(this);
        Log = verbose ? TextWriter.Synchronized(new TeeWriter(log, Messages)) : log;
        Console.SetOut(Log);
        Logger = new RunLogger(Log);
        RunLogger.Clear();
        Progress = new RunProgress(this, runDirectory);
    }

    /// <summary>Lines for the console that keep the progress line below them (e.g. the interrupt notice).</summary>
    public TextWriter Messages { get; }

    /// <summary>The run's progress display, an event processor for BenchmarkDotNet's configuration.</summary>
    public RunProgress Progress { get; }

    /// <summary>Where the full log goes (the file, and the console too with --verbose).</summary>
    public TextWriter Log { get; }

    /// <summary>BenchmarkDotNet's logger for the run: writes <see cref="Log"/>, remembers each case's first error.</summary>
    public RunLogger Logger { get; }

    /// <summary>The console as it was before the run (stdout).</summary>
    public TextWriter Terminal { get; }

    /// <summary>Stdout is a terminal: progress is one line redrawn in place, else one line per case.</summary>
    public bool IsTerminal { get; }

    public bool Verbose { get; }

    /// <summary>Width the end screen fits in.</summary>
    public int Width => IsTerminal && !Console.IsOutputRedirected && Console.WindowWidth > 0 ? Math.Max(Console.WindowWidth, 60) : PipeWidth;

    /// <summary>Redirects Console.Out into the run folder's log until disposed.</summary>
    public static RunConsole Start(string runDirectory, bool verbose) =>
        new(runDirectory, verbose, Console.Out, !Console.IsOutputRedirected);

    /// <summary>Writes a line to the console above the progress line (which is redrawn after it).</summary>
    public void WriteLine(string line)
    {
        lock (_terminalLock)
        {
            ClearStatus();
            Terminal.WriteLine(line);
            DrawStatus();
        }
    }

    /// <summary>Replaces the progress line (terminals only; elsewhere progress comes as whole lines).</summary>
    public void SetStatus(string status)
    {
        lock (_terminalLock)
        {
            ClearStatus();
            _status = status;
            DrawStatus();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Progress.Dispose();
        SetStatus(string.Empty);
        Console.SetOut(_previousOut);
        Log.Flush();
        _logFile.Dispose();
    }

    private void ClearStatus()
    {
        if (IsTerminal && _status.Length > 0)
        {
            // Carriage return, then erase the line (ECMA-48 EL): the status never wraps (DrawStatus cuts it to the width).
            Terminal.Write("\r\u001b[2K");
        }
    }

    private void DrawStatus()
    {
        if (IsTerminal && _status.Length > 0)
        {
            int width = Width - 1;
            Terminal.Write(_status.Length > width ? _status[..width] : _status);
            Terminal.Flush();
        }
    }

    /// <summary>A writer for the console in --verbose mode that keeps the progress line below what it writes.</summary>
    private sealed class StatusAwareWriter(RunConsole console) : TextWriter
    {
        private readonly System.Text.StringBuilder _pending = new();

        public override System.Text.Encoding Encoding => console.Terminal.Encoding;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                console.WriteLine(_pending.ToString());
                _pending.Clear();
            }
            else if (value != '\r')
            {
                _pending.Append(value);
            }
        }
    }

    /// <summary>Writes everything to two writers.</summary>
    private sealed class TeeWriter(TextWriter first, TextWriter second) : TextWriter
    {
        public override System.Text.Encoding Encoding => first.Encoding;

        public override void Write(char value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void Write(string? value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void Flush()
        {
            first.Flush();
            second.Flush();
        }
    }
}

/// <summary>
/// BenchmarkDotNet's logger for a run: plain text into the run's log, and the first error each case logged (the
/// innermost exception's line), so a failed case's row and the end screen can say why without the reader opening the
/// log.
/// </summary>
internal sealed class RunLogger(TextWriter log) : ILogger
{
    /// <summary>Error lines kept per case: enough for an exception's message chain, not its whole stack trace.</summary>
    private const int MaxErrorLinesKept = 40;

    private static readonly ConcurrentDictionary<string, List<string>> s_errors = new(StringComparer.Ordinal);

    /// <summary>The case BenchmarkDotNet is running (set by <see cref="RunProgress"/>), whose errors are kept.</summary>
    public BenchmarkCase? CurrentCase { get; set; }

    public string Id => nameof(RunLogger);

    public int Priority => 0;

    /// <summary>What the case's logged errors say went wrong (see <see cref="Essential"/>), or null when it logged none.</summary>
    public static string? FirstErrorOf(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        if (!s_errors.TryGetValue(benchmarkCase.DisplayInfo, out List<string>? lines))
        {
            return null;
        }

        lock (lines)
        {
            return Essential(string.Join('\n', lines)) is { Length: > 0 } line ? line : null;
        }
    }

    /// <summary>Forgets the previous run's errors (a test host runs several runs in one process).</summary>
    public static void Clear() => s_errors.Clear();

    /// <summary>
    /// The line of an error text that says what went wrong: the innermost exception of a "---&gt;" chain (reflection
    /// wraps the case's own exception in a TargetInvocationException), else the first line.
    /// </summary>
    internal static string Essential(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? inner = lines.LastOrDefault(l => l.StartsWith("---> ", StringComparison.Ordinal));
        return inner is not null ? inner["---> ".Length..] : lines.FirstOrDefault() ?? string.Empty;
    }

    public void Write(LogKind logKind, string text)
    {
        Keep(logKind, text);
        log.Write(text);
    }

    public void WriteLine() => log.WriteLine();

    public void WriteLine(LogKind logKind, string text)
    {
        Keep(logKind, text);
        log.WriteLine(text);
    }

    public void Flush() => log.Flush();

    private void Keep(LogKind logKind, string text)
    {
        if (logKind != LogKind.Error || CurrentCase is not { } benchmarkCase || text.Length == 0)
        {
            return;
        }

        List<string> lines = s_errors.GetOrAdd(benchmarkCase.DisplayInfo, _ => []);
        lock (lines)
        {
            if (lines.Count < MaxErrorLinesKept)
            {
                lines.Add(text);
            }
        }
    }
}
