namespace EdgeBench.Pipeline.Frames;

/// <summary>
/// What <see cref="ScenarioRunner"/> drives: a pipeline that processes one batch of frames per call and marks the end
/// of each of its four stages on the <see cref="FrameBatch"/> it is given.
/// </summary>
/// <example>
/// <code>
/// public void Process(FrameBatch batch)
/// {
///     _pipeline.ToTensor(FramesFor(batch.FrameNumbers)); batch.Mark(FrameStage.ToTensor);
///     _pipeline.Preprocess();                            batch.Mark(FrameStage.Preprocess);
///     _pipeline.Infer();                                 batch.Mark(FrameStage.Inference);
///     _pipeline.Postprocess();                           batch.Mark(FrameStage.Postprocess);
/// }
/// </code>
/// </example>
public interface IFrameBatchProcessor
{
    /// <summary>Frames per call (the model's batch size).</summary>
    int BatchSize { get; }

    /// <summary>
    /// Processes the frames <see cref="FrameBatch.FrameNumbers"/> (exactly <see cref="BatchSize"/>) and calls
    /// <see cref="FrameBatch.Mark"/> once per stage, in order. A stage the pipeline lacks (no postprocess) is marked
    /// right after the previous one. Must not allocate if the run is to measure allocation-free steady state.
    /// </summary>
    void Process(FrameBatch batch);
}

/// <summary>
/// One call's frames and the means to mark its stage boundaries. During warm-up the marks go nowhere (the frames are
/// not recorded), so a processor behaves the same in both phases.
/// </summary>
public readonly ref struct FrameBatch
{
    private readonly FrameTrace? _trace;
    private readonly IFrameClock _clock;

    /// <param name="trace">Where marks go; null during warm-up.</param>
    /// <param name="clock">The clock marks read.</param>
    /// <param name="frameNumbers">The frames' sequence numbers, oldest first.</param>
    public FrameBatch(FrameTrace? trace, IFrameClock clock, ReadOnlySpan<long> frameNumbers)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _trace = trace;
        _clock = clock;
        FrameNumbers = frameNumbers;
    }

    /// <summary>The camera sequence numbers of this batch's frames, oldest first (pick input frames by them).</summary>
    public ReadOnlySpan<long> FrameNumbers { get; }

    /// <summary>Frames in this batch.</summary>
    public int Count => FrameNumbers.Length;

    /// <summary>Whether this is a warm-up batch (marks are ignored).</summary>
    public bool IsWarmup => _trace is null;

    /// <summary>Records that <paramref name="stage"/> ended now, for every frame of the batch.</summary>
    public void Mark(FrameStage stage) => _trace?.MarkStage(stage, _clock.Now);

    /// <summary>Records extra mark <paramref name="markIndex"/> (see <see cref="FrameTrace.ExtraMarkNames"/>) now.</summary>
    public void MarkExtra(int markIndex) => _trace?.MarkExtra(markIndex, _clock.Now);

    /// <summary>Records extra mark <paramref name="markIndex"/> at <paramref name="ticks"/> (e.g. a device timestamp mapped to the host clock).</summary>
    public void MarkExtra(int markIndex, long ticks) => _trace?.MarkExtra(markIndex, ticks);
}
