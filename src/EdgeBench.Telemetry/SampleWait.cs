using System.Diagnostics;

namespace EdgeBench.Telemetry;

/// <summary>
/// The wait behind <see cref="ITelemetrySampler.WaitForSamples"/>, shared by the samplers: under the sampler's lock,
/// until enough samples arrived, the sampler can produce no more, or the time is up. The producer calls
/// <see cref="Monitor.PulseAll"/> on the same lock when it adds a sample or stops.
/// </summary>
internal static class SampleWait
{
    /// <param name="gate">The sampler's lock; the caller must not hold it.</param>
    /// <param name="enough">Whether enough samples are there (evaluated under the lock).</param>
    /// <param name="stillProducing">Whether more samples can still come (evaluated under the lock).</param>
    /// <param name="timeout">The longest wait.</param>
    /// <returns>Whether <paramref name="enough"/> held when the wait ended.</returns>
    public static bool Until(object gate, Func<bool> enough, Func<bool> stillProducing, TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (gate)
        {
            while (!enough())
            {
                long left = deadline - Stopwatch.GetTimestamp();
                if (!stillProducing() || left <= 0)
                {
                    return enough();
                }

                // At most a second at a time, so a pulse missed by a producer that forgets it costs a second, not the timeout.
                Monitor.Wait(gate, TimeSpan.FromSeconds(Math.Min((double)left / Stopwatch.Frequency, 1)));
            }

            return true;
        }
    }
}
