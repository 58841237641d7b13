using System.Diagnostics;
using System.Globalization;
using EdgeBench.Telemetry;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Tests.Telemetry;

// Lifecycle tests against fake tegrastats executables: bash scripts written to a temp dir that replay fixture lines.
// Unix only (they need bash and signals); on Windows they return early.
public sealed class TegrastatsSamplerTests : IDisposable
{
    private static readonly TimeSpan Patience = FakeTools.Patience;
    private readonly FakeTools _tools = new("edgebench-fake-tegrastats-");

    private string FakeFolder => _tools.Dir;

    public void Dispose() => _tools.Dispose();

    [Fact]
    public void ReplayingFake_SamplesAreParsedAndTimed_StopsOnSigint()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string data = Path.Combine(FakeFolder, "replay.txt");
        File.WriteAllLines(data, ["Thu Nov 26 05:59:32 UTC 2026", .. TegrastatsFixtureTests.AllFixtureLines()]);
        string exe = _tools.WriteScript("replay.sh", $$"""
            trap 'exit 0' INT
            echo "$@" > '{{FakeFolder}}/args'
            while true; do
              while IFS= read -r line; do echo "$line"; sleep 0.05; done < '{{data}}'
            done
            """);

        using var sampler = new TegrastatsSampler(new TegrastatsSamplerOptions
        {
            ExecutablePath = exe,
            Interval = TimeSpan.FromMilliseconds(50),
            StopTimeout = TimeSpan.FromSeconds(2),
        });
        Assert.True(sampler.Start(), sampler.StatusMessage);
        int pid = sampler.ProcessId!.Value;
        Assert.Equal(TegrastatsSamplerStatus.Running, sampler.Status);
        Assert.True(sampler.WaitForSamples(6, Patience));
        bool sigintIgnoredOnEntry = FakeTools.IsSigintIgnored(pid);

        TegrastatsStopResult result = sampler.Stop();

        // bash cannot trap a signal that was already ignored when it started (e.g. a CI runner that starts the tests
        // in the background); SIGTERM, which nothing ignores that way, then stops it.
        Assert.Equal(sigintIgnoredOnEntry ? TegrastatsStopMethod.Terminated : TegrastatsStopMethod.Interrupted, result.Method);
        Assert.Equal(TegrastatsSamplerStatus.Stopped, sampler.Status);
        Assert.Equal("--interval 50", File.ReadAllText(Path.Combine(FakeFolder, "args")).Trim());
        IReadOnlyList<TimedTegrastatsSample> samples = sampler.Samples;
        Assert.True(samples.Count >= 6);
        Assert.Equal(samples.Count, result.SampleCount);
        Assert.True(sampler.UnparsedLines >= 1, "the date line is counted, not kept");
        Assert.Equal(sampler.UnparsedLines, result.UnparsedLines);
        Assert.True(samples[0].Elapsed > TimeSpan.Zero);
        for (int i = 1; i < samples.Count; i++)
        {
            Assert.True(samples[i].Elapsed >= samples[i - 1].Elapsed);
            Assert.True(samples[i].StopwatchTimestamp >= samples[i - 1].StopwatchTimestamp);
        }

        Assert.True(TegrastatsParser.TryParse(TegrastatsFixtureTests.AllFixtureLines().First(), out TegrastatsSample first));
        Assert.Equal(first.RamUsedMb, samples[0].Sample.RamUsedMb);
        _tools.AssertGone(pid);
        Assert.Same(result, sampler.Stop());
    }

    [Fact]
    public void FakeIgnoringSigint_IsKilledAfterTimeout_NoProcessRemains()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string line = TegrastatsFixtureTests.AllFixtureLines().First();
        string exe = _tools.WriteScript("stubborn.sh", $$"""
            trap '' INT TERM
            while true; do echo '{{line}}'; sleep 0.05; done
            """);
        var timeout = TimeSpan.FromMilliseconds(300);
        using var sampler = new TegrastatsSampler(new TegrastatsSamplerOptions { ExecutablePath = exe, StopTimeout = timeout });
        Assert.True(sampler.Start(), sampler.StatusMessage);
        int pid = sampler.ProcessId!.Value;
        Assert.True(sampler.WaitForSamples(2, Patience));

        var clock = Stopwatch.StartNew();
        TegrastatsStopResult result = sampler.Stop();
        clock.Stop();

        Assert.Equal(TegrastatsStopMethod.Killed, result.Method);
        Assert.True(clock.Elapsed >= timeout, $"killed after {clock.Elapsed}, before the SIGINT grace period");
        Assert.True(result.SampleCount >= 2);
        _tools.AssertGone(pid);
    }

    [Fact]
    public void Dispose_WithoutStop_KillsTheProcess()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = _tools.WriteScript("forever.sh", "trap '' INT TERM\nwhile true; do sleep 0.05; done");
        int pid;
        using (var sampler = new TegrastatsSampler(new TegrastatsSamplerOptions { ExecutablePath = exe, StopTimeout = TimeSpan.FromMilliseconds(100) }))
        {
            Assert.True(sampler.Start());
            pid = sampler.ProcessId!.Value;
            Assert.True(Directory.Exists($"/proc/{pid}") || !OperatingSystem.IsLinux());
        }

        _tools.AssertGone(pid);
    }

    [Fact]
    public void FakeThatExitsEarly_ReportsExitCodeAndStderr()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = _tools.WriteScript("fails.sh", "echo 'tegrastats: permission denied' >&2\nexit 3");
        using var sampler = new TegrastatsSampler(new TegrastatsSamplerOptions { ExecutablePath = exe });
        Assert.True(sampler.Start());
        Assert.False(sampler.WaitForSamples(1, Patience));
        var clock = Stopwatch.StartNew();
        while (!(sampler.StatusMessage?.Contains("permission denied", StringComparison.Ordinal) ?? false) && clock.Elapsed < Patience)
        {
            Thread.Sleep(20);
        }

        Assert.Equal(TegrastatsSamplerStatus.ExitedEarly, sampler.Status);
        Assert.Contains("code 3", sampler.StatusMessage, StringComparison.Ordinal);
        Assert.Contains("permission denied", sampler.StatusMessage, StringComparison.Ordinal);

        TegrastatsStopResult result = sampler.Stop();
        Assert.Equal(TegrastatsStopMethod.AlreadyExited, result.Method);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(0, result.SampleCount);
        Assert.Contains("permission denied", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingExecutable_IsAStatus_NotAnException()
    {
        string missing = Path.Combine(FakeFolder, "no-such-tegrastats");
        using var sampler = new TegrastatsSampler(new TegrastatsSamplerOptions { ExecutablePath = missing });

        Assert.False(sampler.Start());

        Assert.Equal(TegrastatsSamplerStatus.StartFailed, sampler.Status);
        Assert.Contains(missing, sampler.StatusMessage, StringComparison.Ordinal);
        Assert.Contains(TegrastatsSampler.ExecutableEnvironmentVariable, sampler.StatusMessage, StringComparison.Ordinal);
        Assert.Null(sampler.ProcessId);
        Assert.Equal(TegrastatsStopMethod.NotRunning, sampler.Stop().Method);
        Assert.Empty(sampler.Samples);
        Assert.Throws<InvalidOperationException>(() => sampler.Start());
    }

    [Fact]
    public void ExecutableResolution_OptionThenEnvironmentThenDefault()
    {
        static string? Env(string name) => name == TegrastatsSampler.ExecutableEnvironmentVariable ? "/opt/fake/tegrastats" : null;
        Assert.Equal("/x/tegrastats", ToolExecutable.Tegrastats.Resolve("/x/tegrastats", Env));
        Assert.Equal("/opt/fake/tegrastats", ToolExecutable.Tegrastats.Resolve(null, Env));
        Assert.Equal("/opt/fake/tegrastats", ToolExecutable.Tegrastats.Resolve("  ", Env));
        Assert.Equal("tegrastats", ToolExecutable.Tegrastats.Resolve(null, _ => null));
        Assert.Equal("tegrastats", ToolExecutable.Tegrastats.Resolve(null, _ => ""));
    }

    [Fact]
    public void InvalidOptions_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TegrastatsSampler(new TegrastatsSamplerOptions { Interval = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TegrastatsSampler(new TegrastatsSamplerOptions { StopTimeout = TimeSpan.FromSeconds(-1) }));
    }
}
