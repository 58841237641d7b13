using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

/// <summary>A clock that moves only when told: microsecond ticks, waits jump to their target at once.</summary>
internal sealed class FakeClock(long start = 0) : IFrameClock
{
    public const long TicksPerSecond = 1_000_000;

    public long Now { get; private set; } = start;

    public long Frequency => TicksPerSecond;

    public long WaitCount { get; private set; }

    public void Advance(long ticks) => Now += ticks;

    public void WaitUntil(long ticks)
    {
        WaitCount++;
        Now = Math.Max(Now, ticks);
    }
}

/// <summary>
/// A pipeline whose four stages take fixed or scripted times on a <see cref="FakeClock"/>; it marks every boundary
/// as a real processor would.
/// </summary>
internal sealed class FakeProcessor : IFrameBatchProcessor
{
    private readonly FakeClock _clock;
    private readonly long[] _stageTicks;
    private readonly long[]? _totalTicksPerCall;

    /// <param name="stageTicks">to-tensor, preprocess, inference, postprocess durations of every call.</param>
    public FakeProcessor(FakeClock clock, int batchSize, params long[] stageTicks)
        : this(clock, batchSize, stageTicks, totalTicksPerCall: null)
    {
    }

    private FakeProcessor(FakeClock clock, int batchSize, long[] stageTicks, long[]? totalTicksPerCall)
    {
        _clock = clock;
        BatchSize = batchSize;
        _stageTicks = stageTicks;
        _totalTicksPerCall = totalTicksPerCall;
    }

    /// <summary>Measured call i takes <paramref name="totalTicksPerCall"/>[i], all of it in inference.</summary>
    public static FakeProcessor Scripted(FakeClock clock, int batchSize, long[] totalTicksPerCall) =>
        new(clock, batchSize, [0, 0, 0, 0], totalTicksPerCall);

    public int BatchSize { get; }

    public int WarmupCalls { get; private set; }

    public int MeasuredCalls { get; private set; }

    public void Process(FrameBatch batch)
    {
        long inference = _totalTicksPerCall is null ? _stageTicks[2] : _totalTicksPerCall[MeasuredCalls];
        if (batch.IsWarmup)
        {
            WarmupCalls++;
        }
        else
        {
            MeasuredCalls++;
        }

        _clock.Advance(_stageTicks[0]);
        batch.Mark(FrameStage.ToTensor);
        _clock.Advance(_stageTicks[1]);
        batch.Mark(FrameStage.Preprocess);
        _clock.Advance(inference);
        batch.Mark(FrameStage.Inference);
        _clock.Advance(_stageTicks[3]);
        batch.Mark(FrameStage.Postprocess);
    }
}
