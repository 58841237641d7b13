using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public class FrameTraceTests
{
    [Fact]
    public void Stage_durations_add_up_to_the_total_exactly()
    {
        var trace = new FrameTrace(4, 1_000_000);
        trace.BeginBatch([7], [1_000], 1_250);
        trace.MarkStage(FrameStage.ToTensor, 1_300);
        trace.MarkStage(FrameStage.Preprocess, 1_420);
        trace.MarkStage(FrameStage.Inference, 3_999);
        trace.MarkStage(FrameStage.Postprocess, 4_100);
        trace.EndBatch();

        FrameRecord frame = trace[0];
        Assert.Equal(7, frame.FrameNumber);
        Assert.Equal((250L, 50L, 120L, 2_579L, 101L, 3_100L),
            (frame.WaitTicks, frame.ToTensorTicks, frame.PreprocessTicks, frame.InferenceTicks, frame.PostprocessTicks, frame.TotalTicks));
        Assert.Equal(frame.TotalTicks, frame.WaitTicks + frame.ToTensorTicks + frame.PreprocessTicks + frame.InferenceTicks + frame.PostprocessTicks);
        Assert.Equal(1, trace.ProcessedCount);
        Assert.Equal(3.1, trace.ProcessedTotalsMilliseconds()[0], 12);
    }

    [Fact]
    public void A_batch_gives_each_frame_its_own_capture_and_shares_the_stage_marks()
    {
        var trace = new FrameTrace(8, 1_000_000, ["device_done"]);
        trace.BeginBatch([10, 11, 12], [100, 200, 300], 300);
        trace.MarkStage(FrameStage.ToTensor, 310);
        trace.MarkStage(FrameStage.Preprocess, 320);
        trace.MarkExtra(0, 390);
        trace.MarkStage(FrameStage.Inference, 400);
        trace.MarkStage(FrameStage.Postprocess, 450);
        trace.EndBatch();

        Assert.Equal(3, trace.Count);
        Assert.Equal([350L, 250L, 150L], Enumerable.Range(0, 3).Select(r => trace[r].TotalTicks));
        Assert.Equal([200L, 100L, 0L], Enumerable.Range(0, 3).Select(r => trace[r].WaitTicks));
        Assert.All(Enumerable.Range(0, 3), r => Assert.Equal(450, trace[r].DoneTicks));
        Assert.All(Enumerable.Range(0, 3), r => Assert.Equal(390, trace.ExtraMark(r, 0)));
    }

    [Fact]
    public void Dropped_frames_have_a_capture_time_and_no_marks()
    {
        var trace = new FrameTrace(4, 1_000_000, ["host_enqueue_done"]);
        trace.RecordDropped(3, 500);

        FrameRecord frame = trace[0];
        Assert.True(frame.Dropped);
        Assert.Equal((3L, 500L), (frame.FrameNumber, frame.CaptureTicks));
        Assert.Equal(FrameTrace.NotRecorded, frame.DoneTicks);
        Assert.Equal(FrameTrace.NotRecorded, trace.ExtraMark(0, 0));
        Assert.Equal((1, 0, 1), (trace.DroppedCount, trace.ProcessedCount, trace.Count));
        Assert.Empty(trace.ProcessedTotalsMilliseconds());
    }

    [Fact]
    public void Recording_thousands_of_frames_allocates_nothing()
    {
        const int frames = 5_000;
        var trace = new FrameTrace(frames * 2, 1_000_000, ["host_enqueue_done", "device_done"]);
        long[] frameNumber = new long[1];
        long[] capture = new long[1];
        Record(trace, frameNumber, capture, 10);
        trace.Clear();

        long before = GC.GetAllocatedBytesForCurrentThread();
        Record(trace, frameNumber, capture, frames);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(frames, trace.ProcessedCount);
        Assert.Equal(frames, trace.DroppedCount);

        static void Record(FrameTrace trace, long[] frameNumber, long[] capture, int count)
        {
            for (int i = 0; i < count; i++)
            {
                long t = i * 100L;
                trace.RecordDropped(2 * i, t);
                frameNumber[0] = (2 * i) + 1;
                capture[0] = t + 10;
                trace.BeginBatch(frameNumber, capture, t + 20);
                trace.MarkStage(FrameStage.ToTensor, t + 30);
                trace.MarkStage(FrameStage.Preprocess, t + 40);
                trace.MarkExtra(0, t + 45);
                trace.MarkStage(FrameStage.Inference, t + 60);
                trace.MarkExtra(1, t + 58);
                trace.MarkStage(FrameStage.Postprocess, t + 70);
                trace.EndBatch();
            }
        }
    }

    [Fact]
    public void A_batch_without_all_four_marks_is_rejected()
    {
        var trace = new FrameTrace(4, 1_000_000);
        trace.BeginBatch([0], [0], 0);
        trace.MarkStage(FrameStage.ToTensor, 1);
        trace.MarkStage(FrameStage.Preprocess, 2);
        trace.MarkStage(FrameStage.Postprocess, 3);

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(trace.EndBatch);
        Assert.Contains("Inference", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_open_batch_is_invisible_until_closed_and_can_be_discarded()
    {
        var trace = new FrameTrace(4, 1_000_000);
        trace.RecordDropped(0, 0);
        trace.BeginBatch([1, 2], [10, 20], 20);
        trace.MarkStage(FrameStage.ToTensor, 21);

        Assert.Equal((1, 1), (trace.Count, trace.Remaining));
        trace.DiscardOpenBatch();

        Assert.Equal((1, 3, 0), (trace.Count, trace.Remaining, trace.ProcessedCount));
        trace.RecordDropped(1, 10);
        Assert.Equal(2, trace.Count);
    }

    [Fact]
    public void Marks_out_of_order_are_rejected()
    {
        var trace = new FrameTrace(4, 1_000_000);
        trace.BeginBatch([0], [0], 10);
        trace.MarkStage(FrameStage.ToTensor, 20);
        trace.MarkStage(FrameStage.Preprocess, 15);
        trace.MarkStage(FrameStage.Inference, 30);
        trace.MarkStage(FrameStage.Postprocess, 40);

        Assert.Throws<InvalidOperationException>(trace.EndBatch);
    }

    [Fact]
    public void A_full_trace_says_so()
    {
        var trace = new FrameTrace(1, 1_000_000);
        trace.RecordDropped(0, 0);

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => trace.RecordDropped(1, 1));
        Assert.Contains("holds 1 rows", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Device-Done")]
    [InlineData("")]
    [InlineData("total")]
    [InlineData("a,b")]
    public void Extra_mark_names_must_make_clean_distinct_columns(string name) =>
        Assert.Throws<ArgumentException>(() => new FrameTrace(1, 1_000_000, [name]));

    [Fact]
    public void Repeated_extra_mark_names_are_rejected() =>
        Assert.Throws<ArgumentException>(() => new FrameTrace(1, 1_000_000, ["device_done", "device_done"]));
}
