using EdgeBench.Inference.OnnxRuntime;

namespace EdgeBench.Tests.Inference;

/// <summary>
/// The double-buffered loop's bookkeeping (<see cref="PipelineSlots"/>), which the CUDA pipeline relies on to never
/// overwrite a buffer in use nor read results of the wrong call; CI has no GPU, so this is where it is tested.
/// </summary>
public class PipelineSlotsTests
{
    [Fact]
    public void Fresh_NothingReadable_Slot0Next()
    {
        var slots = new PipelineSlots();

        Assert.Equal(-1, slots.Readable);
        Assert.Equal(0, slots.Next);
        Assert.False(slots.InFlight);
    }

    [Fact]
    public void PipelinedCalls_AlternateSlots_EachMakesThePreviousReadable_DrainTheLast()
    {
        var slots = new PipelineSlots();

        Assert.False(slots.StartPipelined()); // call 1 in slot 0: nothing before it
        Assert.Equal((-1, 1, true), (slots.Readable, slots.Next, slots.InFlight));
        Assert.True(slots.StartPipelined()); // call 2 in slot 1: call 1's results
        Assert.Equal((0, 0, true), (slots.Readable, slots.Next, slots.InFlight));
        Assert.True(slots.StartPipelined()); // call 3 in slot 0: call 2's results
        Assert.Equal((1, 1, true), (slots.Readable, slots.Next, slots.InFlight));

        slots.Drained(); // call 3's results; the next pipelined call starts over in slot 0
        Assert.Equal((0, 0, false), (slots.Readable, slots.Next, slots.InFlight));
        slots.Drained(); // nothing in flight: unchanged
        Assert.Equal((0, 0, false), (slots.Readable, slots.Next, slots.InFlight));
    }

    [Fact]
    public void SynchronousCall_WhileInFlight_Refused_AfterDrain_ReadsSlot0()
    {
        var slots = new PipelineSlots();
        slots.StartPipelined();
        slots.StartPipelined();

        Assert.Throws<InvalidOperationException>(slots.CompletedSynchronously);

        slots.Drained();
        slots.CompletedSynchronously();
        Assert.Equal((0, false), (slots.Readable, slots.InFlight));
        Assert.False(slots.StartPipelined()); // the first pipelined call after a synchronous one has no results
        Assert.Equal(-1, slots.Readable);
    }

    [Fact]
    public void QueueFailed_NothingReadable_StillInFlight_NextCallTakesTheOtherSlot()
    {
        var slots = new PipelineSlots();
        slots.StartPipelined();
        slots.StartPipelined(); // in slot 1

        slots.QueueFailed();

        Assert.Equal(-1, slots.Readable);
        Assert.True(slots.InFlight); // what was queued is still waited for before its buffers are reused
        Assert.Equal(0, slots.Next);
    }

    [Fact]
    public void RandomSequences_MatchAReferenceModel_AndNeverTouchTheSlotInFlight()
    {
        var random = new Random(20261126);
        for (int sequence = 0; sequence < 200; sequence++)
        {
            var slots = new PipelineSlots();
            int readable = -1, inFlightSlot = -1;
            for (int step = 0; step < 50; step++)
            {
                switch (random.Next(4))
                {
                    case 0 or 1: // a pipelined call: stages into Next, which must not be the slot still in flight
                        int staged = slots.Next;
                        Assert.NotEqual(inFlightSlot, staged);
                        bool previous = slots.StartPipelined();
                        Assert.Equal(inFlightSlot >= 0, previous);
                        readable = inFlightSlot;
                        inFlightSlot = staged;
                        break;
                    case 2: // Drain
                        slots.Drained();
                        if (inFlightSlot >= 0)
                        {
                            readable = inFlightSlot;
                            inFlightSlot = -1;
                        }

                        break;
                    default: // a synchronous call drains first
                        slots.Drained();
                        slots.CompletedSynchronously();
                        readable = 0;
                        inFlightSlot = -1;
                        break;
                }

                Assert.Equal(readable, slots.Readable);
                Assert.Equal(inFlightSlot >= 0, slots.InFlight);
                if (slots.InFlight)
                {
                    Assert.NotEqual(inFlightSlot, slots.Readable);
                    Assert.Equal(1 - slots.Next, inFlightSlot);
                }
            }
        }
    }
}
