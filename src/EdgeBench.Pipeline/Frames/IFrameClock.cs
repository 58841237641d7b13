using System.Diagnostics;

namespace EdgeBench.Pipeline.Frames;

/// <summary>
/// The time source of a frame measurement. Injected so the scenario logic runs against a fake clock in tests (exact,
/// instant) and against <see cref="StopwatchClock"/> in benchmarks.
/// </summary>
public interface IFrameClock
{
    /// <summary>The current time in ticks of <see cref="Frequency"/>.</summary>
    long Now { get; }

    /// <summary>Ticks per second.</summary>
    long Frequency { get; }

    /// <summary>Returns once <see cref="Now"/> &gt;= <paramref name="ticks"/>; returns at once when that time has passed.</summary>
    void WaitUntil(long ticks);
}

/// <summary>
/// <see cref="Stopwatch"/> time with a hybrid wait: sleep while the target is far, spin for the last
/// <see cref="SpinMarginMilliseconds"/>. Sleeping alone overshoots by the scheduler's wake-up latency (about 0.1 ms
/// on an idle Linux box, over a millisecond on a loaded 2-core one), which would shift every paced camera frame;
/// spinning alone burns a core the pipeline needs for the whole frame period.
/// </summary>
public sealed class StopwatchClock : IFrameClock
{
    /// <summary>
    /// How long before the target the clock stops sleeping and spins. 2 ms covers Linux's usual sleep overshoot with
    /// room to spare while costing at most 6% of one core at 30 FPS (2 ms of every 33 ms).
    /// </summary>
    public const double SpinMarginMilliseconds = 2.0;

    /// <summary>The shared instance; the clock has no state.</summary>
    public static readonly StopwatchClock Instance = new();

    public long Now => Stopwatch.GetTimestamp();

    public long Frequency => Stopwatch.Frequency;

    public void WaitUntil(long ticks)
    {
        long spinMarginTicks = (long)(SpinMarginMilliseconds * Stopwatch.Frequency / 1000.0);
        long remaining = ticks - Stopwatch.GetTimestamp();
        if (remaining > spinMarginTicks)
        {
            // Whole milliseconds only: Thread.Sleep rounds up anyway, and the spin below absorbs the remainder.
            int sleepMilliseconds = (int)((remaining - spinMarginTicks) * 1000 / Stopwatch.Frequency);
            if (sleepMilliseconds > 0)
            {
                Thread.Sleep(sleepMilliseconds);
            }
        }

        while (Stopwatch.GetTimestamp() < ticks)
        {
            Thread.SpinWait(16);
        }
    }
}
