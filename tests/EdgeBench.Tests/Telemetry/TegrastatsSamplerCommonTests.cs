using EdgeBench.Telemetry;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Tests.Telemetry;

// TegrastatsSampler seen through ITelemetrySampler (the lifecycle itself is covered by TegrastatsSamplerTests).
public sealed class TegrastatsSamplerCommonTests : IDisposable
{
    private readonly FakeTools _fakes = new("edgebench-fake-tegrastats-common-");

    // Short, because a host that ignores SIGINT (background job of a non-interactive shell) makes every stop a kill.
    private static readonly TimeSpan ShortStop = TimeSpan.FromMilliseconds(500);

    public void Dispose() => _fakes.Dispose();

    [Fact]
    public void Replay_Completed_ReadingsMapped()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string line = TegrastatsFixtureTests.AllFixtureLines().First();
        string exe = _fakes.WriteScript("replay.sh", $$"""
            trap 'exit 0' INT
            while true; do echo '{{line}}'; sleep 0.03; done
            """);
        using var sampler = new TegrastatsSampler(new TegrastatsSamplerOptions { ExecutablePath = exe, StopTimeout = ShortStop });
        Assert.True(((ITelemetrySampler)sampler).Start());
        int pid = sampler.ProcessId!.Value;
        Assert.Equal(TelemetrySamplerStatus.Running, ((ITelemetrySampler)sampler).Status);
        Assert.Equal("tegrastats", ((ITelemetrySampler)sampler).Source);
        Assert.True(sampler.WaitForSamples(3, FakeTools.Patience));
        bool sigintIgnoredOnEntry = FakeTools.IsSigintIgnored(pid);

        TelemetryStopResult result = ((ITelemetrySampler)sampler).Stop();

        Assert.Equal(TelemetryOutcome.Completed, result.Outcome); // SIGINT, or SIGTERM where SIGINT was ignored on entry
        Assert.Equal(sigintIgnoredOnEntry ? TelemetryStopMethod.Terminated : TelemetryStopMethod.Interrupted, result.Method);
        Assert.Equal(TelemetrySamplerStatus.Stopped, ((ITelemetrySampler)sampler).Status);
        // Both views of Stop agree.
        TegrastatsStopResult own = sampler.Stop();
        Assert.Equal(result.SampleCount, own.SampleCount);
        Assert.Equal(result.Method.ToString(), own.Method.ToString());
        IReadOnlyList<TelemetryReading> readings = ((ITelemetrySampler)sampler).Readings;
        Assert.Equal(sampler.Samples.Count, readings.Count);
        Assert.Equal(TelemetryReadings.FromTegrastats(sampler.Samples[0]), readings[0]);
        _fakes.AssertGone(pid);
    }

    [Fact]
    public void GarbageOnly_NoSamples()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = _fakes.WriteScript("garbage.sh", "trap 'exit 0' INT\nwhile true; do echo 'Thu Nov 26 05:59:32 UTC 2026'; sleep 0.03; done");
        using var sampler = new TegrastatsSampler(new TegrastatsSamplerOptions { ExecutablePath = exe, StopTimeout = ShortStop });
        Assert.True(sampler.Start());
        Thread.Sleep(200);

        TelemetryStopResult result = ((ITelemetrySampler)sampler).Stop();

        Assert.Equal(TelemetryOutcome.NoSamples, result.Outcome);
        Assert.Contains("none of them tegrastats output", result.Reason, StringComparison.Ordinal);
        Assert.Contains("Thu Nov 26", result.Reason, StringComparison.Ordinal);
        _fakes.AssertGone(sampler.ProcessId);
    }

    [Fact]
    public void MissingExecutable_StartFailedOutcome()
    {
        using var sampler = new TegrastatsSampler(new TegrastatsSamplerOptions { ExecutablePath = Path.Combine(_fakes.Dir, "none") });
        Assert.False(sampler.Start());
        Assert.Equal(TelemetrySamplerStatus.StartFailed, ((ITelemetrySampler)sampler).Status);
        TelemetryStopResult result = ((ITelemetrySampler)sampler).Stop();
        Assert.Equal(TelemetryOutcome.StartFailed, result.Outcome);
        Assert.Contains(TegrastatsSampler.ExecutableEnvironmentVariable, result.Reason, StringComparison.Ordinal);
    }
}
