namespace EdgeBench.Pipeline.Frames;

/// <summary>
/// A camera that captures frame k at <c>start + k / fps</c> into a one-slot buffer where the newest frame wins:
/// what V4L2 with a single buffer and GStreamer's appsink with <c>drop=true max-buffers=1</c> do. A frame still in the
/// slot when the next one arrives is overwritten (dropped). Pure arithmetic on ticks; nothing waits here.
/// </summary>
public readonly struct CameraSchedule
{
    /// <param name="framesPerSecond">The camera rate, e.g. 30 (non-integer rates such as 29.97 are fine).</param>
    /// <param name="startTicks">Capture time of frame 0.</param>
    /// <param name="ticksPerSecond">The clock's frequency.</param>
    public CameraSchedule(double framesPerSecond, long startTicks, long ticksPerSecond)
    {
        if (!(framesPerSecond > 0) || double.IsInfinity(framesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "Expected a camera rate above 0 frames per second.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ticksPerSecond);
        FramesPerSecond = framesPerSecond;
        StartTicks = startTicks;
        TicksPerSecond = ticksPerSecond;
    }

    public double FramesPerSecond { get; }

    public long StartTicks { get; }

    public long TicksPerSecond { get; }

    /// <summary>The frame period in ticks (fractional: 1e9 / 30 is not whole); a frame later than this missed its deadline.</summary>
    public double PeriodTicks => TicksPerSecond / FramesPerSecond;

    /// <summary>Capture time of frame <paramref name="frame"/> (0-based): start + floor(k · ticksPerSecond / fps).</summary>
    public long CaptureTicks(long frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);

        // k · frequency first: exact in a double up to 2^53 (9e6 frames at a 1 GHz clock), then one rounded division,
        // so capture times are monotone and the same on every machine.
        return StartTicks + (long)Math.Floor(frame * (double)TicksPerSecond / FramesPerSecond);
    }

    /// <summary>The newest frame captured at or before <paramref name="ticks"/>; -1 before frame 0.</summary>
    public long NewestFrameAt(long ticks)
    {
        if (ticks < StartTicks)
        {
            return -1;
        }

        long frame = (long)Math.Floor((ticks - StartTicks) * FramesPerSecond / TicksPerSecond);

        // The estimate can be one off where floating rounding disagrees with CaptureTicks; CaptureTicks decides.
        while (CaptureTicks(frame + 1) <= ticks)
        {
            frame++;
        }

        while (frame >= 0 && CaptureTicks(frame) > ticks)
        {
            frame--;
        }

        return frame;
    }

    /// <summary>
    /// The frame a pipeline that last took <paramref name="lastTakenFrame"/> (-1: none yet) gets when it reads the
    /// slot at <paramref name="nowTicks"/>: the newest frame if it is new, else the next one to be captured (the
    /// reader then waits for its capture time).
    /// </summary>
    public long FrameToTake(long lastTakenFrame, long nowTicks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lastTakenFrame, -1);
        long newest = NewestFrameAt(nowTicks);
        return newest > lastTakenFrame ? newest : lastTakenFrame + 1;
    }

    /// <summary>Frames overwritten in the slot between taking <paramref name="lastTakenFrame"/> and <paramref name="takenFrame"/>.</summary>
    public static long DroppedBetween(long lastTakenFrame, long takenFrame)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(takenFrame, lastTakenFrame);
        return takenFrame - lastTakenFrame - 1;
    }
}
