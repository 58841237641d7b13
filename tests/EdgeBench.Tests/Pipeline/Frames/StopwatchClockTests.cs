using System.Diagnostics;
using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public class StopwatchClockTests
{
    [Fact]
    public void Waits_never_return_early_and_land_well_under_a_millisecond_late()
    {
        StopwatchClock clock = StopwatchClock.Instance;
        long bestOvershoot = long.MaxValue;

        // Up to 50 waits of 3 ms (sleep ~1 ms, then spin), stopping at the first that lands within 200 us: the best
        // one shows the mechanism's accuracy. Five were not enough on a 2-core machine running both test tiers at once
        // (all five preempted, best 927 us late); every wait still checks that none returns early.
        for (int attempt = 0; attempt < 50 && bestOvershoot >= Stopwatch.Frequency / 5_000; attempt++)
        {
            long target = clock.Now + (3 * Stopwatch.Frequency / 1_000);
            clock.WaitUntil(target);
            long overshoot = clock.Now - target;
            Assert.True(overshoot >= 0, "WaitUntil returned before its target.");
            bestOvershoot = Math.Min(bestOvershoot, overshoot);
        }

        Assert.True(bestOvershoot < Stopwatch.Frequency / 5_000, $"Best overshoot {bestOvershoot * 1e6 / Stopwatch.Frequency:0} µs; expected under 200 µs.");
    }

    [Fact]
    public void A_past_target_returns_at_once()
    {
        long before = Stopwatch.GetTimestamp();
        StopwatchClock.Instance.WaitUntil(before - Stopwatch.Frequency);

        Assert.True(Stopwatch.GetTimestamp() - before < Stopwatch.Frequency / 100);
    }
}
