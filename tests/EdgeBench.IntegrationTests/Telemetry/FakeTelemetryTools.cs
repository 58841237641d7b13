using System.Globalization;

namespace EdgeBench.IntegrationTests.Telemetry;

/// <summary>
/// Fake tegrastats / nvidia-smi executables (bash scripts in a temp folder) that replay a captured line and
/// misbehave on request, plus the check that nothing started from the folder survives.
/// </summary>
internal sealed class FakeTelemetryTools : IDisposable
{
    /// <summary>Prints the ms of <c>--interval MS</c> (tegrastats) or <c>-lms MS</c> (nvidia-smi) as seconds for sleep.</summary>
    private const string IntervalPrelude = """
        ms=100
        while [ $# -gt 0 ]; do
          case "$1" in --interval|-lms) ms="$2"; shift ;; esac
          shift
        done
        pause=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
        """;
    // The loops sleep in the background and wait for it: bash runs a trap only once a foreground command ends, so a
    // foreground sleep would delay the SIGINT exit by up to an interval (the samplers' stop would then depend on
    // timing); `wait` returns at once on a trapped signal, and the trap ends the sleep so nothing holds the pipes.

    public FakeTelemetryTools()
    {
        Dir = Directory.CreateTempSubdirectory("edgebench-fake-tools-").FullName;
    }

    public string Dir { get; }

    /// <summary>The first line of a captured tegrastats log in the unit tier's fixtures (read from the source tree:
    /// one copy of the captures, and SOURCES.md says where each came from).</summary>
    public static string CapturedTegrastatsLine(string fixture) => CapturedLine("tegrastats", fixture);

    /// <summary>The first non-empty line of <c>tests/EdgeBench.Tests/TestData/&lt;folder&gt;/&lt;fixture&gt;</c>.</summary>
    public static string CapturedLine(string folder, string fixture) => File.ReadLines(CapturedFile(folder, fixture)).First(l => l.Length > 0);

    /// <summary>The path of <c>tests/EdgeBench.Tests/TestData/&lt;folder&gt;/&lt;fixture&gt;</c> in the source tree.</summary>
    public static string CapturedFile(string folder, string fixture)
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "EdgeBench.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        Assert.NotNull(dir);
        return Path.Combine(dir, "tests", "EdgeBench.Tests", "TestData", folder, fixture);
    }

    /// <summary>A vcgencmd that replays <paramref name="pmicDump"/> (a file) for <c>pmic_read_adc</c> and answers every
    /// other command as a firmware without it does.</summary>
    public string Vcgencmd(string pmicDump) => Write("vcgencmd", $$"""
        case "$1" in
          pmic_read_adc) exec cat '{{pmicDump}}' ;;
          *) echo 'error=1 error_msg="Command not registered"'; exit 1 ;;
        esac
        """);

    /// <summary>A power command (any script) with <paramref name="body"/>.</summary>
    public string Script(string name, string body) => Write(name, body);

    /// <summary>Repeats <paramref name="line"/> every interval until interrupted (first line at once).</summary>
    public string Repeating(string name, string line) => Write(name, $$"""
        {{IntervalPrelude}}
        trap 'kill $! 2>/dev/null; exit 0' INT TERM
        while :; do
          printf '%s\n' '{{line}}'
          sleep "$pause" & wait $!
        done
        """);

    /// <summary>Prints one good line, complains on stderr and exits with code 3.</summary>
    public string ExitsEarly(string name, string line) => Write(name, $$"""
        {{IntervalPrelude}}
        printf '%s\n' '{{line}}'
        echo 'NvRmMemInitNvmap failed: fake error for the test' >&2
        exit 3
        """);

    /// <summary>Prints lines that are not tool output, until interrupted.</summary>
    public string Garbage(string name) => Write(name, $$"""
        {{IntervalPrelude}}
        trap 'kill $! 2>/dev/null; exit 0' INT TERM
        while :; do
          echo 'Segmentation fault? @@@ 0xdeadbeef ###'
          sleep "$pause" & wait $!
        done
        """);

    /// <summary>Good lines, but SIGINT and SIGTERM are ignored: only the kill after the stop timeout ends it.</summary>
    public string IgnoresSigint(string name, string line) => Write(name, $$"""
        {{IntervalPrelude}}
        trap '' INT TERM
        while :; do
          printf '%s\n' '{{line}}'
          sleep "$pause"
        done
        """);

    /// <summary>Two good lines, then SIGKILLs itself (killed mid-run, e.g. by the OOM killer).</summary>
    public string KilledMidRun(string name, string line) => Write(name, $$"""
        {{IntervalPrelude}}
        printf '%s\n' '{{line}}'
        sleep "$pause"
        printf '%s\n' '{{line}}'
        kill -KILL $$
        """);

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    /// <summary>No process whose command line mentions the fake folder may be alive (waits briefly for reaping).</summary>
    public void AssertNothingLeftBehind()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string[] alive = [];
        for (int attempt = 0; attempt < 20; attempt++)
        {
            alive = [.. Directory.GetDirectories("/proc")
                .Where(p => int.TryParse(Path.GetFileName(p), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                .Where(p => ReadCommandLine(p).Contains(Dir, StringComparison.Ordinal))];
            if (alive.Length == 0)
            {
                return;
            }

            Thread.Sleep(100);
        }

        Assert.Fail($"processes started from {Dir} are still alive: {string.Join(", ", alive.Select(p => Path.GetFileName(p) + " " + ReadCommandLine(p)))}");
    }

    private static string ReadCommandLine(string procDir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procDir, "cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private string Write(string name, string body)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}
