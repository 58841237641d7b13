namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The buffer bookkeeping of <see cref="OrtCudaPipeline"/>'s double-buffered loop, apart from CUDA so that it is
/// tested on machines without a GPU. Two slots, each a page-locked staging buffer and a result buffer. A pipelined
/// call stages into <see cref="Next"/> while the previous call may still run, <see cref="StartPipelined"/> makes this
/// call the one in flight and names the previous call's slot readable, the call is queued, and the pipeline waits for
/// the previous call before anyone reads that slot. The invariant the pipeline relies on: the slot a call stages into
/// was last used by the call before the previous one, which has been waited for; and <see cref="Readable"/> is never
/// read while its call may still run.
/// </summary>
internal sealed class PipelineSlots
{
    /// <summary>The result slot to read (complete once the pipelined call that named it returns); -1 when none is.</summary>
    public int Readable { get; private set; } = -1;

    /// <summary>The slot the next pipelined call stages its frames into and downloads its results into.</summary>
    public int Next { get; private set; }

    /// <summary>A pipelined call is queued and not yet waited for (it uses slot 1 - <see cref="Next"/>).</summary>
    public bool InFlight { get; private set; }

    /// <summary>
    /// A pipelined call starts: the previous call's slot (if one is <see cref="InFlight"/>) becomes the readable one,
    /// which the pipeline waits for before it returns, this call's slot (<see cref="Next"/>) goes in flight and the
    /// other slot is next. Returns whether a previous call's results will be readable. Marks the call in flight before
    /// it is queued, so that a failure halfway is still waited for before its buffers are used again
    /// (<see cref="QueueFailed"/>).
    /// </summary>
    public bool StartPipelined()
    {
        bool previous = InFlight;
        Readable = previous ? 1 - Next : -1;
        InFlight = true;
        Next = 1 - Next;
        return previous;
    }

    /// <summary>Queueing the call in flight failed halfway: its results will never be complete.</summary>
    public void QueueFailed() => Readable = -1;

    /// <summary>The call in flight has been waited for: its slot becomes readable; the next pipelined call starts over in slot 0.</summary>
    public void Drained()
    {
        if (!InFlight)
        {
            return;
        }

        Readable = 1 - Next;
        InFlight = false;
        Next = 0;
    }

    /// <summary>A synchronous call completed in slot 0 (after <see cref="Drained"/>: nothing may be in flight).</summary>
    public void CompletedSynchronously()
    {
        if (InFlight)
        {
            throw new InvalidOperationException("A pipelined call is still in flight; drain it before a synchronous call.");
        }

        Readable = 0;
    }
}
