using EdgeBench.Telemetry;
using EdgeBench.Telemetry.PowerCommand;

namespace EdgeBench.Tests.Telemetry;

// PowerCommandSampler against fake commands (bash scripts) that print watts, fail, print garbage or hang.
public sealed class PowerCommandSamplerTests : IDisposable
{
    private readonly FakeTools _fakes = new("edgebench-fake-power-");

    public void Dispose() => _fakes.Dispose();

    // A generous timeout: on a loaded 2-core host a process start alone can take a few hundred ms, and a run that
    // merely started slowly must not count as a failure. The hang test shortens it.
    private static PowerCommandSamplerOptions Options(string command) => new()
    {
        Command = command,
        Interval = TimeSpan.FromMilliseconds(20),
        Timeout = TimeSpan.FromSeconds(5),
    };

    [Theory]
    [InlineData("4.25\n", 4.25)]
    [InlineData("  12.5 W\nsecond line ignored\n", 12.5)]
    [InlineData("3W", 3)]
    [InlineData("0", 0)]
    [InlineData("1.5e1\r\n", 15)]
    public void The_first_line_is_read_as_watts(string output, double watts)
    {
        Assert.True(PowerCommandSampler.TryParseWatts(output, out double parsed, out string? problem), problem);
        Assert.Equal(watts, parsed, 12);
    }

    [Theory]
    [InlineData("", "it printed nothing on its first line; expected watts, e.g. 4.2")]
    [InlineData("\n4.2\n", "it printed nothing on its first line; expected watts, e.g. 4.2")]
    [InlineData("power=4.2W", "its first line 'power=4.2W' is not watts; expected a number >= 0, e.g. 4.2")]
    [InlineData("-1", "its first line '-1' is not watts; expected a number >= 0, e.g. 4.2")]
    [InlineData("NaN", "its first line 'NaN' is not watts; expected a number >= 0, e.g. 4.2")]
    [InlineData("4,2", "its first line '4,2' is not watts; expected a number >= 0, e.g. 4.2")]
    public void Anything_else_is_not_watts_and_says_what_it_was(string output, string expected)
    {
        Assert.False(PowerCommandSampler.TryParseWatts(output, out _, out string? problem));
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void A_command_that_prints_watts_gives_power_readings_through_the_shell()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // A pipe: the command line goes through sh -c, as a smart plug's curl | jq would.
        string meter = _fakes.WriteScript("meter", "echo 'W 5.125'");
        using var sampler = new PowerCommandSampler(Options($"{meter} | cut -d' ' -f2"));
        Assert.True(sampler.Start(), sampler.StatusMessage);
        Assert.True(sampler.WaitForSamples(3, FakeTools.Patience));
        TelemetryStopResult result = sampler.Stop();

        Assert.Equal(TelemetryOutcome.Completed, result.Outcome);
        Assert.All(sampler.Readings, r => Assert.Equal(5125, r.PowerMw!.Value, 9));
        TelemetryWindowSummary summary = TelemetrySummary.Summarize(sampler.Readings, TimeSpan.FromSeconds(1), 10);
        Assert.Equal(5.125, summary.AveragePowerW!.Value, 9);
        Assert.Equal($"power: the power command's watts ('{meter} | cut -d' ' -f2')", sampler.PowerCoverage);
        _fakes.AssertGone();
    }

    [Fact]
    public void A_window_shorter_than_the_interval_still_gets_one_reading_as_it_closes()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Stopped long before the first interval is up: without the closing poll the case would have no power at all.
        using var sampler = new PowerCommandSampler(Options("echo 6.5") with { Interval = TimeSpan.FromMinutes(5) });
        Assert.True(sampler.Start(), sampler.StatusMessage);
        TelemetryStopResult result = sampler.Stop();

        Assert.Equal(TelemetryOutcome.Completed, result.Outcome);
        Assert.Equal(6500, Assert.Single(sampler.Readings).PowerMw!.Value, 9);
        _fakes.AssertGone();
    }

    [Theory]
    [InlineData("echo 'meter unplugged' >&2; exit 3", 5000, "last: it exited with code 3: meter unplugged")]
    [InlineData("echo 'Segmentation fault? @@@'", 5000, "last: its first line 'Segmentation fault? @@@' is not watts")]
    [InlineData("sleep 30; echo 4.2", 300, "last: it did not finish within 0.3 s and was killed")]
    public void A_failing_command_ends_the_window_without_samples_and_says_why(string body, int timeoutMs, string last)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string meter = _fakes.WriteScript("meter", body);
        using var sampler = new PowerCommandSampler(Options(meter) with { Timeout = TimeSpan.FromMilliseconds(timeoutMs) });
        Assert.True(sampler.Start(), sampler.StatusMessage);
        SpinWait.SpinUntil(() => sampler.FailedRuns >= 2, FakeTools.Patience);
        TelemetryStopResult result = sampler.Stop();

        Assert.Equal(TelemetryOutcome.NoSamples, result.Outcome);
        Assert.Empty(sampler.Readings);
        Assert.StartsWith($"the power command '{meter}' ", result.Reason, StringComparison.Ordinal);
        Assert.Contains(" gave no watts in ", result.Reason, StringComparison.Ordinal);
        Assert.Contains(last, result.Reason, StringComparison.Ordinal);
        _fakes.AssertGone();
    }

    [Fact]
    public void A_command_that_fails_now_and_then_keeps_the_good_runs_and_counts_the_others()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Every other run fails, as a meter on a flaky serial link does.
        string meter = _fakes.WriteScript("meter", $$"""
            n=$(cat '{{_fakes.Dir}}/runs' 2>/dev/null || echo 0); echo $((n + 1)) > '{{_fakes.Dir}}/runs'
            if [ $((n % 2)) -eq 1 ]; then echo 'checksum error' >&2; exit 4; fi
            echo 7.5
            """);
        using var sampler = new PowerCommandSampler(Options(meter));
        Assert.True(sampler.Start(), sampler.StatusMessage);
        Assert.True(sampler.WaitForSamples(3, FakeTools.Patience));
        TelemetryStopResult result = sampler.Stop();

        Assert.Equal(TelemetryOutcome.Completed, result.Outcome);
        Assert.All(sampler.Readings, r => Assert.Equal(7500, r.PowerMw!.Value, 9));
        Assert.InRange(sampler.FailedRuns, sampler.Readings.Count - 1, sampler.Readings.Count);
        Assert.Equal(
            $"power: the power command's watts ('{meter}'), {sampler.FailedRuns} of {sampler.FailedRuns + sampler.Readings.Count} runs failed (last: it exited with code 4: checksum error)",
            sampler.PowerCoverage);
    }

    [Fact]
    public void Beside_a_source_the_commands_watts_replace_its_power_which_stays_as_a_channel()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // The source: a power command too (the simplest sampler with power), at another value.
        using var source = new PowerCommandSampler(Options("echo 9"));
        using var combined = new WithPowerCommandSampler(source, new PowerCommandSampler(Options("echo 2.5")));
        Assert.True(combined.Start(), combined.StatusMessage);
        Assert.True(combined.WaitForSamples(3, FakeTools.Patience));
        TelemetryStopResult result = combined.Stop();

        Assert.Equal(TelemetryOutcome.Completed, result.Outcome);
        IReadOnlyList<TelemetryReading> readings = combined.Readings;
        Assert.Equal(result.SampleCount, readings.Count);
        Assert.All(readings, r => Assert.True(
            r.PowerMw == 2500 || (r.PowerMw is null && r.Channels!.Single() == new TelemetryChannel(WithPowerCommandSampler.SourcePowerChannel, 9000)),
            $"{r}"));
        Assert.Equal(2.5, TelemetrySummary.Summarize(readings, TimeSpan.FromSeconds(1), 10).AveragePowerW!.Value, 9);
        Assert.Equal(readings.OrderBy(r => r.Elapsed), readings);
        Assert.Equal("power: the power command's watts ('echo 2.5')", combined.PowerCoverage);
    }

    [Fact]
    public void Beside_a_source_a_failing_command_is_the_windows_reason()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var source = new PowerCommandSampler(Options("echo 9"));
        using var combined = new WithPowerCommandSampler(source, new PowerCommandSampler(Options("exit 7")));
        Assert.True(combined.Start(), combined.StatusMessage);
        Assert.True(source.WaitForSamples(3, FakeTools.Patience));
        TelemetryStopResult result = combined.Stop();

        Assert.Equal(TelemetryOutcome.NoSamples, result.Outcome);
        Assert.StartsWith("the power command 'exit 7' gave no watts in ", result.Reason, StringComparison.Ordinal);
        Assert.EndsWith("last: it exited with code 7", result.Reason, StringComparison.Ordinal);
        Assert.Null(TelemetrySummary.Summarize(combined.Readings, TimeSpan.FromSeconds(1), 10).AveragePowerW);
    }
}
