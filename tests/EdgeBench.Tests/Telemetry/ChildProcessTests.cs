using System.Diagnostics;
using EdgeBench.Telemetry;

namespace EdgeBench.Tests.Telemetry;

// The one-shot tool call every sampler uses (vcgencmd today): exit code, stdout and stderr captured, a missing
// executable is a status, and a hung call is killed with its tree at the timeout. Unix only (bash fakes).
public sealed class ChildProcessTests : IDisposable
{
    private readonly FakeTools _fakes = new("edgebench-fake-oneshot-");

    public void Dispose() => _fakes.Dispose();

    [Fact]
    public void RunOnce_Success_CapturesStdoutAndStderr()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = _fakes.WriteScript("ok.sh", "echo \"out $1\"; echo 'a warning' >&2; exit 0");

        OneShotResult result = ChildProcess.RunOnce(exe, ["measure_temp"], TimeSpan.FromSeconds(10));

        Assert.True(result.Succeeded);
        Assert.Null(result.StartError);
        Assert.False(result.TimedOut);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("out measure_temp\n", result.StandardOutput);
        Assert.Equal("a warning\n", result.StandardError);
    }

    [Fact]
    public void RunOnce_AnExecutableStillOpenForWriting_IsRetriedUntilItIsClosed_ElseTheErrorIsTheStatus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string exe = _fakes.WriteScript("busy.sh", "echo ran");

        // Held open for writing throughout: exec fails with ETXTBSY on every attempt, and that is the status.
        using (new FileStream(exe, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            OneShotResult busy = ChildProcess.RunOnce(exe, [], TimeSpan.FromSeconds(10));
            Assert.False(busy.Succeeded);
            Assert.Contains("busy", busy.StartError, StringComparison.OrdinalIgnoreCase);
        }

        // Closed a few milliseconds after the first attempt (as a forked child's inherited descriptor is): a retry runs it.
        var writer = new FileStream(exe, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        var closer = new Thread(() =>
        {
            Thread.Sleep(5); // well inside the 150 ms of retries, also on a loaded machine
            writer.Dispose();
        });
        closer.Start();
        OneShotResult ran = ChildProcess.RunOnce(exe, [], TimeSpan.FromSeconds(10));
        closer.Join();
        Assert.True(ran.Succeeded, ran.StartError);
        Assert.Equal("ran\n", ran.StandardOutput);
    }

    [Fact]
    public void RunOnce_Failure_KeepsExitCodeAndStderr()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = _fakes.WriteScript("fail.sh", "echo 'error=1 error_msg=\"Command not registered\"'; echo 'mailbox busy' >&2; exit 3");

        OneShotResult result = ChildProcess.RunOnce(exe, ["bogus"], TimeSpan.FromSeconds(10));

        Assert.False(result.Succeeded);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("Command not registered", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("mailbox busy\n", result.StandardError);
    }

    [Fact]
    public void RunOnce_MissingExecutable_IsAStartError()
    {
        OneShotResult result = ChildProcess.RunOnce(Path.Combine(_fakes.Dir, "no-such-tool"), [], TimeSpan.FromSeconds(1));

        Assert.False(result.Succeeded);
        Assert.False(string.IsNullOrEmpty(result.StartError));
        Assert.Null(result.ExitCode);
    }

    [Fact]
    public void RunOnce_Hung_IsKilledWithItsTreeAtTheTimeout()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // A grandchild (sleep) holds the pipes too: the kill must take the whole tree.
        string exe = _fakes.WriteScript("hang.sh", "echo started; sleep 30; echo never");
        var clock = Stopwatch.StartNew();

        OneShotResult result = ChildProcess.RunOnce(exe, [], TimeSpan.FromMilliseconds(300));

        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.Null(result.ExitCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(8));
        _fakes.AssertGone();
    }
}
