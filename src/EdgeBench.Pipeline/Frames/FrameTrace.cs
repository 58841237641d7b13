namespace EdgeBench.Pipeline.Frames;

/// <summary>The four measured stages of a frame, in pipeline order; a mark records the time a stage ended.</summary>
public enum FrameStage
{
    /// <summary>Camera frames copied into the pipeline's frame tensor.</summary>
    ToTensor = 0,

    /// <summary>Resize, normalize, layout (and fp16) into the model input.</summary>
    Preprocess = 1,

    /// <summary>The model ran (on GPU paths: the outputs are ready on the host or synchronized).</summary>
    Inference = 2,

    /// <summary>Decoding, NMS or top-k; its end is the frame's done time.</summary>
    Postprocess = 3,
}

/// <summary>
/// Per-frame timestamps of one measurement, in preallocated arrays (one per field) so that recording inside the
/// timed loop allocates nothing and does no I/O. Rows are frames in the order the camera captured them; a row is
/// either processed (start and four stage marks) or dropped (captured, then overwritten in the camera slot before
/// the pipeline took it). At batch N one call processes N frames: each gets its own row with its own capture time,
/// and the N rows share the processing start and the stage marks.
/// </summary>
/// <remarks>
/// Durations are differences of the same tick values, so wait + to-tensor + preprocess + inference + postprocess
/// equals the total (done - capture) exactly, in ticks. Optional extra marks (GPU paths: host enqueue done,
/// device done) are named at construction and stored as ticks; they are reported relative to processing start.
/// Rows of a batch become visible (<see cref="Count"/>, the indexer, the CSV) only when <see cref="EndBatch"/> closes
/// it, so a run interrupted mid-batch keeps exactly the frames it finished. Not thread-safe: one recording thread.
/// </remarks>
public sealed class FrameTrace
{
    /// <summary>The value of a mark that was not recorded (a dropped frame, or an extra mark a path did not set).</summary>
    public const long NotRecorded = long.MinValue;

    private readonly long[] _frameNumber;
    private readonly long[] _capture;
    private readonly long[] _start;
    private readonly long[] _toTensorEnd;
    private readonly long[] _preprocessEnd;
    private readonly long[] _inferenceEnd;
    private readonly long[] _done;
    private readonly bool[] _dropped;
    private readonly long[][] _extraMarks;
    private readonly string[] _extraMarkNames;

    // The rows of the batch being processed: BeginBatch opens them, the stage marks fill them, EndBatch checks them.
    private int _batchFirstRow;
    private int _batchCount;

    /// <param name="capacity">Rows to preallocate: processed plus dropped frames of the longest run.</param>
    /// <param name="ticksPerSecond">The frequency of the recorded ticks (the clock's <see cref="IFrameClock.Frequency"/>).</param>
    /// <param name="extraMarkNames">
    /// Names of extra per-batch marks (e.g. <c>host_enqueue_done</c>, <c>device_done</c>); lower-case letters, digits
    /// and underscores, because each becomes the CSV column <c>&lt;name&gt;_ms</c>.
    /// </param>
    public FrameTrace(int capacity, long ticksPerSecond, IReadOnlyList<string>? extraMarkNames = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ticksPerSecond);
        Capacity = capacity;
        TicksPerSecond = ticksPerSecond;
        _frameNumber = new long[capacity];
        _capture = new long[capacity];
        _start = new long[capacity];
        _toTensorEnd = new long[capacity];
        _preprocessEnd = new long[capacity];
        _inferenceEnd = new long[capacity];
        _done = new long[capacity];
        _dropped = new bool[capacity];

        _extraMarkNames = extraMarkNames is null ? [] : [.. extraMarkNames];
        _extraMarks = new long[_extraMarkNames.Length][];
        for (int i = 0; i < _extraMarkNames.Length; i++)
        {
            ValidateExtraMarkName(_extraMarkNames[i], _extraMarkNames.AsSpan(0, i));
            _extraMarks[i] = new long[capacity];
        }
    }

    /// <summary>Rows preallocated.</summary>
    public int Capacity { get; }

    /// <summary>Rows recorded (processed and dropped frames of closed batches).</summary>
    public int Count { get; private set; }

    /// <summary>Rows still free (an open batch's rows count as used).</summary>
    public int Remaining => Capacity - Count - _batchCount;

    /// <summary>Processed frames recorded.</summary>
    public int ProcessedCount { get; private set; }

    /// <summary>Dropped frames recorded.</summary>
    public int DroppedCount => Count - ProcessedCount;

    /// <summary>The frequency of every tick value in the trace.</summary>
    public long TicksPerSecond { get; }

    /// <summary>Names of the extra marks, in the order of their indices.</summary>
    public IReadOnlyList<string> ExtraMarkNames => _extraMarkNames;

    /// <summary>The capture time of the first row: the origin of the CSV's <c>capture_ms</c>.</summary>
    public long OriginTicks => Count > 0 ? _capture[0] : 0;

    /// <summary>Milliseconds in <paramref name="ticks"/> of this trace's frequency.</summary>
    public double ToMilliseconds(long ticks) => ticks * 1000.0 / TicksPerSecond;

    /// <summary>The timestamps of row <paramref name="row"/>.</summary>
    public FrameRecord this[int row]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(row);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
            return new FrameRecord(
                _frameNumber[row], _capture[row], _start[row], _toTensorEnd[row], _preprocessEnd[row],
                _inferenceEnd[row], _done[row], _dropped[row]);
        }
    }

    /// <summary>Extra mark <paramref name="markIndex"/> of row <paramref name="row"/>, or <see cref="NotRecorded"/>.</summary>
    public long ExtraMark(int row, int markIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        return _extraMarks[markIndex][row];
    }

    /// <summary>Forgets every row (capacity and mark names stay).</summary>
    public void Clear()
    {
        Count = 0;
        ProcessedCount = 0;
        _batchCount = 0;
    }

    /// <summary>Records a frame the camera captured and overwrote before the pipeline took it.</summary>
    public void RecordDropped(long frameNumber, long captureTicks)
    {
        ThrowIfBatchOpen();
        EnsureRoom(1);
        int row = Count;
        _frameNumber[row] = frameNumber;
        _capture[row] = captureTicks;
        _start[row] = NotRecorded;
        _toTensorEnd[row] = NotRecorded;
        _preprocessEnd[row] = NotRecorded;
        _inferenceEnd[row] = NotRecorded;
        _done[row] = NotRecorded;
        _dropped[row] = true;
        for (int m = 0; m < _extraMarks.Length; m++)
        {
            _extraMarks[m][row] = NotRecorded;
        }

        Count = row + 1;
    }

    /// <summary>
    /// Opens the rows of one batch: one per frame, each with its own frame number and capture time, all with the
    /// processing start <paramref name="startTicks"/>. Fill the stage marks with <see cref="MarkStage"/>, then
    /// close with <see cref="EndBatch"/>.
    /// </summary>
    public void BeginBatch(ReadOnlySpan<long> frameNumbers, ReadOnlySpan<long> captureTicks, long startTicks)
    {
        ThrowIfBatchOpen();
        if (frameNumbers.Length != captureTicks.Length || frameNumbers.IsEmpty)
        {
            throw new ArgumentException(
                $"A batch needs one capture time per frame and at least one frame; got {frameNumbers.Length} frame numbers and {captureTicks.Length} capture times.",
                nameof(captureTicks));
        }

        EnsureRoom(frameNumbers.Length);
        int first = Count;
        frameNumbers.CopyTo(_frameNumber.AsSpan(first));
        captureTicks.CopyTo(_capture.AsSpan(first));
        _start.AsSpan(first, frameNumbers.Length).Fill(startTicks);
        _toTensorEnd.AsSpan(first, frameNumbers.Length).Fill(NotRecorded);
        _preprocessEnd.AsSpan(first, frameNumbers.Length).Fill(NotRecorded);
        _inferenceEnd.AsSpan(first, frameNumbers.Length).Fill(NotRecorded);
        _done.AsSpan(first, frameNumbers.Length).Fill(NotRecorded);
        _dropped.AsSpan(first, frameNumbers.Length).Clear();
        for (int m = 0; m < _extraMarks.Length; m++)
        {
            _extraMarks[m].AsSpan(first, frameNumbers.Length).Fill(NotRecorded);
        }

        _batchFirstRow = first;
        _batchCount = frameNumbers.Length;
    }

    /// <summary>Records the end of <paramref name="stage"/> for every frame of the open batch.</summary>
    public void MarkStage(FrameStage stage, long ticks)
    {
        ThrowIfNoBatch();
        long[] column = stage switch
        {
            FrameStage.ToTensor => _toTensorEnd,
            FrameStage.Preprocess => _preprocessEnd,
            FrameStage.Inference => _inferenceEnd,
            FrameStage.Postprocess => _done,
            _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Not a frame stage."),
        };
        column.AsSpan(_batchFirstRow, _batchCount).Fill(ticks);
    }

    /// <summary>Records extra mark <paramref name="markIndex"/> (an index into <see cref="ExtraMarkNames"/>) for the open batch.</summary>
    public void MarkExtra(int markIndex, long ticks)
    {
        ThrowIfNoBatch();
        ArgumentOutOfRangeException.ThrowIfNegative(markIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(markIndex, _extraMarks.Length);
        _extraMarks[markIndex].AsSpan(_batchFirstRow, _batchCount).Fill(ticks);
    }

    /// <summary>
    /// Closes the open batch. Throws when a stage mark is missing or out of order, because a trace with holes would
    /// give stage durations that no longer add up to the total.
    /// </summary>
    public void EndBatch()
    {
        ThrowIfNoBatch();
        int row = _batchFirstRow;
        long start = _start[row];
        CheckMark(FrameStage.ToTensor, _toTensorEnd[row], start);
        CheckMark(FrameStage.Preprocess, _preprocessEnd[row], _toTensorEnd[row]);
        CheckMark(FrameStage.Inference, _inferenceEnd[row], _preprocessEnd[row]);
        CheckMark(FrameStage.Postprocess, _done[row], _inferenceEnd[row]);
        Count += _batchCount;
        ProcessedCount += _batchCount;
        _batchCount = 0;
    }

    /// <summary>Forgets the open batch, if any (its processing failed); the closed rows stay.</summary>
    public void DiscardOpenBatch() => _batchCount = 0;

    /// <summary>Milliseconds of every processed frame's total (done - capture), in row order.</summary>
    public double[] ProcessedTotalsMilliseconds()
    {
        double[] totals = new double[ProcessedCount];
        int next = 0;
        for (int row = 0; row < Count && next < totals.Length; row++)
        {
            if (!_dropped[row] && _done[row] != NotRecorded)
            {
                totals[next++] = ToMilliseconds(_done[row] - _capture[row]);
            }
        }

        return totals;
    }

    private static void CheckMark(FrameStage stage, long mark, long previous)
    {
        if (mark == NotRecorded)
        {
            throw new InvalidOperationException($"The batch ended without a {stage} mark; the processor must mark all four stages.");
        }

        if (mark < previous)
        {
            throw new InvalidOperationException($"The {stage} mark ({mark}) is earlier than the boundary before it ({previous}).");
        }
    }

    private static void ValidateExtraMarkName(string name, ReadOnlySpan<string> earlier)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException(
                $"Extra mark name '{name}' must be non-empty lower-case letters, digits and underscores (it becomes the CSV column '{name}_ms').",
                nameof(name));
        }

        if (FrameTraceCsv.FixedColumns.Contains(name + "_ms") || earlier.Contains(name))
        {
            throw new ArgumentException($"Extra mark name '{name}' repeats a column of the trace.", nameof(name));
        }
    }

    private void EnsureRoom(int rows)
    {
        if (rows > Remaining)
        {
            throw new InvalidOperationException(
                $"The frame trace holds {Capacity} rows and {Count} are used; {rows} more do not fit. Size the trace for the longest run.");
        }
    }

    private void ThrowIfBatchOpen()
    {
        if (_batchCount > 0)
        {
            throw new InvalidOperationException("A batch is open; call EndBatch first.");
        }
    }

    private void ThrowIfNoBatch()
    {
        if (_batchCount == 0)
        {
            throw new InvalidOperationException("No batch is open; call BeginBatch first.");
        }
    }
}

/// <summary>
/// One frame's timestamps (ticks of the trace's clock) and the durations derived from them. For a dropped frame only
/// <see cref="FrameNumber"/> and <see cref="CaptureTicks"/> hold values; the marks are <see cref="FrameTrace.NotRecorded"/>.
/// </summary>
/// <param name="FrameNumber">The camera's sequence number of the frame (back-to-back scenarios count frames from 0).</param>
/// <param name="CaptureTicks">When the frame was captured (back-to-back scenarios: when it became available).</param>
/// <param name="StartTicks">When the pipeline started processing the frame's batch.</param>
/// <param name="ToTensorEndTicks">End of stage 1.</param>
/// <param name="PreprocessEndTicks">End of stage 2.</param>
/// <param name="InferenceEndTicks">End of stage 3.</param>
/// <param name="DoneTicks">End of stage 4: the frame's results are ready.</param>
/// <param name="Dropped">Whether the frame was overwritten in the camera slot and never processed.</param>
public readonly record struct FrameRecord(
    long FrameNumber,
    long CaptureTicks,
    long StartTicks,
    long ToTensorEndTicks,
    long PreprocessEndTicks,
    long InferenceEndTicks,
    long DoneTicks,
    bool Dropped)
{
    /// <summary>Capture to processing start: camera staleness and batch assembly.</summary>
    public long WaitTicks => StartTicks - CaptureTicks;

    public long ToTensorTicks => ToTensorEndTicks - StartTicks;

    public long PreprocessTicks => PreprocessEndTicks - ToTensorEndTicks;

    public long InferenceTicks => InferenceEndTicks - PreprocessEndTicks;

    public long PostprocessTicks => DoneTicks - InferenceEndTicks;

    /// <summary>Capture to results ready; the sum of the five durations above, exactly.</summary>
    public long TotalTicks => DoneTicks - CaptureTicks;
}
