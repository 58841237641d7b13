using System.Diagnostics;
using EdgeBench.Telemetry;
using EdgeBench.Telemetry.NvidiaSmi;

namespace EdgeBench.Tests.Telemetry;

// Lifecycle tests against fake nvidia-smi executables (bash scripts). Unix only; on Windows they return early.
// Every test in this class may touch EDGEBENCH_NVIDIA_SMI: xunit runs one class's tests one at a time, and no other
// class reads that variable.
public sealed class NvidiaSmiSamplerTests : IDisposable
{
    private static readonly string FixtureDir = Path.Combine(AppContext.BaseDirectory, "TestData", "nvidia-smi");
    private readonly FakeTools _fakes = new("edgebench-fake-nvidia-smi-");

    // Short, because a host that ignores SIGINT (background job of a non-interactive shell) makes every stop a kill.
    private static readonly TimeSpan ShortStop = TimeSpan.FromMilliseconds(500);

    public void Dispose() => _fakes.Dispose();

    // Replays the two-GPU fixture round by round (both lines of a round, then a pause), forever.
    private string WriteReplayFake(string trap = "trap 'exit 0' INT")
    {
        string data = Path.Combine(FixtureDir, "two-gpus-constructed.txt");
        return _fakes.WriteScript("replay.sh", $$"""
            {{trap}}
            echo "$@" > '{{_fakes.Dir}}/args'
            while true; do
              n=0
              while IFS= read -r line; do
                echo "$line"; n=$((n+1))
                if [ $((n % 2)) -eq 0 ]; then sleep 0.03; fi
              done < '{{data}}'
            done
            """);
    }

    [Fact]
    public void ReplayingFake_AllGpus_LinesGroupedIntoRounds_StopsOnSigint()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = WriteReplayFake();
        using var sampler = new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = exe, StopTimeout = ShortStop, Interval = TimeSpan.FromMilliseconds(30) });
        // Driven through the interface, as the diagnoser will.
        Assert.True(((ITelemetrySampler)sampler).Start(), sampler.StatusMessage);
        int pid = sampler.ProcessId!.Value;
        Assert.Equal(TelemetrySamplerStatus.Running, ((ITelemetrySampler)sampler).Status);
        Assert.True(sampler.WaitForSamples(8, FakeTools.Patience));
        bool sigintIgnoredOnEntry = FakeTools.IsSigintIgnored(pid);

        TelemetryStopResult result = ((ITelemetrySampler)sampler).Stop();

        // A host that started with SIGINT ignored passes that on (bash cannot even trap it); SIGTERM then stops it.
        Assert.Equal(sigintIgnoredOnEntry ? TelemetryStopMethod.Terminated : TelemetryStopMethod.Interrupted, result.Method);
        Assert.Equal(TelemetryOutcome.Completed, result.Outcome);
        Assert.Equal(TelemetrySamplerStatus.Stopped, ((ITelemetrySampler)sampler).Status);
        Assert.Equal(NvidiaSmiQuery.Arguments + " -lms 30", File.ReadAllText(Path.Combine(_fakes.Dir, "args")).Trim());
        Assert.Equal(0, result.UnparsedLines);

        IReadOnlyList<TimedNvidiaSmiSample> samples = sampler.Samples;
        Assert.Equal(samples.Count, result.SampleCount);
        Assert.Equal([0, 1, 0, 1], samples.Take(4).Select(s => s.Sample.Index));
        Assert.Equal([0, 0, 1, 1], samples.Take(4).Select(s => s.Tick));
        for (int i = 1; i < samples.Count; i++)
        {
            Assert.True(samples[i].Elapsed >= samples[i - 1].Elapsed);
        }

        // One reading per round: fixture round 1 = 312.45 + 71.20 W, round 2 = 699.12 + 70.85 W (power-capped).
        IReadOnlyList<TelemetryReading> readings = ((ITelemetrySampler)sampler).Readings;
        Assert.Equal(samples.Select(s => s.Tick).Distinct().Count(), readings.Count);
        Assert.Equal(383650, readings[0].PowerMw!.Value, 6);
        Assert.Equal(43.5, readings[0].GpuUtilPct);
        Assert.Equal(61, readings[0].MaxTemperatureC);
        Assert.False(readings[0].Throttled);
        Assert.Equal(769970, readings[1].PowerMw!.Value, 6);
        Assert.True(readings[1].Throttled);
        Assert.Equal(readings[0].Elapsed, samples[0].Elapsed);

        TelemetryWindowSummary summary = TelemetrySummary.Summarize(readings, TimeSpan.FromSeconds(1), 100);
        Assert.True(summary.Throttled);
        Assert.NotNull(summary.AveragePowerW);
        _fakes.AssertGone(pid);
        Assert.Same(result, ((ITelemetrySampler)sampler).Stop());
    }

    [Fact]
    public void GpuIndexSelected_OnlyThatGpuIsKept()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = WriteReplayFake();
        using var sampler = new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = exe, StopTimeout = ShortStop, GpuIndex = 1 });
        Assert.True(sampler.Start(), sampler.StatusMessage);
        Assert.True(sampler.WaitForSamples(3, FakeTools.Patience));
        TelemetryStopResult result = sampler.Stop();

        Assert.True(result.HasSamples);
        Assert.All(sampler.Samples, s => Assert.Equal(1, s.Sample.Index));
        Assert.Equal(sampler.Samples.Count, sampler.Readings.Count);
        Assert.Equal(71200, sampler.Readings[0].PowerMw!.Value, 6);
        Assert.All(sampler.Readings, r => Assert.False(r.Throttled));
        _fakes.AssertGone(sampler.ProcessId);
    }

    [Fact]
    public void GpuIndexAbsent_NoSamples_ReasonSaysFilteredOut()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = WriteReplayFake();
        using var sampler = new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = exe, StopTimeout = ShortStop, GpuIndex = 7, Interval = TimeSpan.FromMilliseconds(30) });
        Assert.True(sampler.Start());
        Thread.Sleep(150);
        TelemetryStopResult result = sampler.Stop();

        Assert.Equal(TelemetryOutcome.NoSamples, result.Outcome);
        Assert.Contains("filtered out", result.Reason, StringComparison.Ordinal);
        _fakes.AssertGone(sampler.ProcessId);
    }

    [Fact]
    public void FakeThatExitsEarly_ExitedEarly_ReasonQuotesItsMessage()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // nvidia-smi prints this failure on stdout and exits 9 when the driver is not loaded.
        string exe = _fakes.WriteScript("nodriver.sh", """
            echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
            echo 'extra detail' >&2
            exit 9
            """);
        using var sampler = new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = exe, StopTimeout = ShortStop });
        Assert.True(sampler.Start());
        Assert.False(sampler.WaitForSamples(1, FakeTools.Patience));
        WaitUntil(() => sampler.Status == TelemetrySamplerStatus.ExitedEarly);

        TelemetryStopResult result = sampler.Stop();

        Assert.Equal(TelemetryOutcome.ExitedEarly, result.Outcome);
        Assert.Equal(TelemetryStopMethod.AlreadyExited, result.Method);
        Assert.Equal(9, result.ExitCode);
        Assert.Equal(0, result.SampleCount);
        Assert.Equal(1, result.UnparsedLines);
        Assert.False(result.HasSamples);
        Assert.Contains("code 9", result.Reason, StringComparison.Ordinal);
        Assert.Contains("couldn't communicate with the NVIDIA driver", result.Reason, StringComparison.Ordinal);
        Assert.Contains("extra detail", result.Reason, StringComparison.Ordinal);
        Assert.Equal(TelemetrySamplerStatus.Stopped, sampler.Status);
        Assert.Contains("code 9", sampler.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void FakePrintingGarbageOnly_NoSamples_ReasonQuotesFirstLine()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = _fakes.WriteScript("garbage.sh", """
            trap 'exit 0' INT
            while true; do echo 'index, name, power.draw [W]'; echo '@@@ not csv @@@'; sleep 0.03; done
            """);
        using var sampler = new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = exe, StopTimeout = ShortStop, Interval = TimeSpan.FromMilliseconds(30) });
        Assert.True(sampler.Start());
        int pid = sampler.ProcessId!.Value;
        WaitUntil(() => sampler.UnparsedLines >= 4);
        bool sigintIgnoredOnEntry = FakeTools.IsSigintIgnored(pid);

        TelemetryStopResult result = sampler.Stop();

        Assert.Equal(TelemetryOutcome.NoSamples, result.Outcome);
        Assert.True(result.UnparsedLines >= 4);
        Assert.Contains("none of them nvidia-smi output", result.Reason, StringComparison.Ordinal);
        Assert.Contains("'index, name, power.draw [W]'", result.Reason, StringComparison.Ordinal);
        Assert.Equal(sigintIgnoredOnEntry ? TelemetryStopMethod.Terminated : TelemetryStopMethod.Interrupted, result.Method);
        Assert.Empty(sampler.Readings);
        Assert.Equal("0 samples in a 1 s window; increase iteration time or lower --interval",
            TelemetrySummary.Summarize(sampler.Readings, TimeSpan.FromSeconds(1), 10).Reason);
        _fakes.AssertGone(pid);
    }

    [Fact]
    public void FakeIgnoringSigintAndSigterm_IsKilledAfterTimeout_SamplesKept_NoProcessRemains()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // A child in the tree too: the kill must take the whole tree, not only the script.
        var timeout = TimeSpan.FromMilliseconds(300);
        (TelemetryStopResult result, TimeSpan elapsed, int pid) = StopAfterTwoSamples("trap '' INT TERM\nsleep 60 &", timeout);

        Assert.Equal(TelemetryStopMethod.Killed, result.Method);
        Assert.Equal(TelemetryOutcome.KilledOnStop, result.Outcome);
        Assert.Contains("killed", result.Reason, StringComparison.Ordinal);
        Assert.True(elapsed >= timeout, $"killed after {elapsed}, before the SIGINT and SIGTERM grace periods");
        Assert.True(result.SampleCount >= 2);
        _fakes.AssertGone(pid);
    }

    [Fact]
    public void FakeIgnoringSigintOnly_StopsOnSigterm_Completed_SamplesKept()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // As a tool started from a background job (nohup ... &) behaves: SIGINT ignored, SIGTERM's default action.
        var timeout = TimeSpan.FromMilliseconds(600);
        (TelemetryStopResult result, TimeSpan elapsed, int pid) = StopAfterTwoSamples("trap '' INT", timeout);

        Assert.Equal(TelemetryStopMethod.Terminated, result.Method);
        Assert.Equal(TelemetryOutcome.Completed, result.Outcome);
        Assert.Null(result.Reason);
        if (!FakeTools.IsSigintIgnored(Environment.ProcessId))
        {
            // SIGINT got its half of the stop timeout first (a host with SIGINT ignored skips straight to SIGTERM).
            Assert.True(elapsed >= timeout / 2, $"stopped after {elapsed}, before SIGINT's half of the stop timeout");
        }

        Assert.True(elapsed < timeout + TimeSpan.FromSeconds(1), $"stopped after {elapsed}: SIGTERM was not honoured");
        Assert.True(result.SampleCount >= 2);
        _fakes.AssertGone(pid);
    }

    /// <summary>Starts the replay fake with <paramref name="trap"/> as its first line, waits for two samples and times Stop.</summary>
    private (TelemetryStopResult Result, TimeSpan Elapsed, int Pid) StopAfterTwoSamples(string trap, TimeSpan stopTimeout)
    {
        string exe = WriteReplayFake(trap);
        using var sampler = new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = exe, StopTimeout = stopTimeout });
        Assert.True(sampler.Start(), sampler.StatusMessage);
        int pid = sampler.ProcessId!.Value;
        Assert.True(sampler.WaitForSamples(2, FakeTools.Patience));

        var clock = Stopwatch.StartNew();
        TelemetryStopResult result = sampler.Stop();
        return (result, clock.Elapsed, pid);
    }

    [Fact]
    public void Dispose_WithoutStop_KillsTheProcess()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string exe = _fakes.WriteScript("forever.sh", "trap '' INT TERM\nwhile true; do sleep 0.05; done");
        int pid;
        using (var sampler = new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = exe, StopTimeout = TimeSpan.FromMilliseconds(100) }))
        {
            Assert.True(sampler.Start());
            pid = sampler.ProcessId!.Value;
        }

        _fakes.AssertGone(pid);
    }

    [Fact]
    public void MissingExecutable_IsAStatus_NotAnException()
    {
        string missing = Path.Combine(_fakes.Dir, "no-such-nvidia-smi");
        using var sampler = new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = missing });

        Assert.False(sampler.Start());

        Assert.Equal(TelemetrySamplerStatus.StartFailed, sampler.Status);
        Assert.Contains(missing, sampler.StatusMessage, StringComparison.Ordinal);
        Assert.Contains(NvidiaSmiSampler.ExecutableEnvironmentVariable, sampler.StatusMessage, StringComparison.Ordinal);
        TelemetryStopResult result = sampler.Stop();
        Assert.Equal(TelemetryOutcome.StartFailed, result.Outcome);
        Assert.Equal(TelemetryStopMethod.NotRunning, result.Method);
        Assert.Contains(missing, result.Reason, StringComparison.Ordinal);
        Assert.Empty(sampler.Readings);
        Assert.Throws<InvalidOperationException>(() => sampler.Start());
    }

    [Fact]
    public void NotStarted_StopSaysSo()
    {
        using var sampler = new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = "/nonexistent" });
        Assert.Equal(TelemetrySamplerStatus.NotStarted, sampler.Status);
        Assert.Equal(TelemetryOutcome.NotStarted, sampler.Stop().Outcome);
    }

    [Fact]
    public void ExecutableFromEnvironment_ElseDefault()
    {
        string? saved = Environment.GetEnvironmentVariable(NvidiaSmiSampler.ExecutableEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(NvidiaSmiSampler.ExecutableEnvironmentVariable, "/opt/fake/nvidia-smi");
            Assert.Equal("/opt/fake/nvidia-smi", new NvidiaSmiSampler(new NvidiaSmiSamplerOptions()).Executable);
            Assert.Equal("/x/nvidia-smi", new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { ExecutablePath = "/x/nvidia-smi" }).Executable);
            Environment.SetEnvironmentVariable(NvidiaSmiSampler.ExecutableEnvironmentVariable, null);
            Assert.Equal("nvidia-smi", new NvidiaSmiSampler(new NvidiaSmiSamplerOptions()).Executable);
        }
        finally
        {
            Environment.SetEnvironmentVariable(NvidiaSmiSampler.ExecutableEnvironmentVariable, saved);
        }
    }

    [Fact]
    public void Arguments_AreTheQueryThenLoopInterval()
    {
        Assert.Equal(
            ["--query-gpu=" + NvidiaSmiQuery.Fields, "--format=csv,noheader,nounits", "-lms", "250"],
            new NvidiaSmiSamplerOptions { Interval = TimeSpan.FromMilliseconds(250.4) }
                .ToLineProcessOptions(ToolExecutable.NvidiaSmi, NvidiaSmiSampler.BuildArguments).Arguments);
    }

    [Fact]
    public void InvalidOptions_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { Interval = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { StopTimeout = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NvidiaSmiSampler(new NvidiaSmiSamplerOptions { GpuIndex = -1 }));
    }

    [Fact]
    public void ToReadings_GroupsByTick_TimedByFirstLine()
    {
        Assert.True(NvidiaSmiParser.TryParse(File.ReadAllText(Path.Combine(FixtureDir, "h200-idle-captured.txt")), out NvidiaSmiSample? h200));
        TimedNvidiaSmiSample[] samples =
        [
            new(TimeSpan.FromSeconds(1), 0, 0, h200!),
            new(TimeSpan.FromSeconds(1.001), 0, 0, h200! with { Index = 1 }),
            new(TimeSpan.FromSeconds(2), 0, 1, h200!),
        ];

        IReadOnlyList<TelemetryReading> r = NvidiaSmiSampler.ToReadings(samples);

        Assert.Equal(2, r.Count);
        Assert.Equal(TimeSpan.FromSeconds(1), r[0].Elapsed);
        Assert.Equal(241580, r[0].PowerMw!.Value, 6);
        Assert.Equal(120790, r[1].PowerMw!.Value, 6);
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < FakeTools.Patience)
        {
            Thread.Sleep(20);
        }

        Assert.True(condition(), "condition not reached in time");
    }
}
