using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public class DeviceTimeSplitTests
{
    private const long Ms = 1_000; // a 1 MHz clock: 1,000 ticks a millisecond

    [Fact]
    public void Copies_enqueue_and_device_time_come_from_the_marks_between_preprocess_and_inference()
    {
        var trace = new FrameTrace(16, 1_000_000, VisionPipelineProcessor.DeviceMarkNames);
        // Frame k: preprocess ends at 2 ms, upload 0.5 ms, enqueue 0.3 ms, device done 3 ms after upload,
        // download 0.25 ms: transfer 0.75, enqueue 0.3, compute 3.
        for (int k = 0; k < 3; k++)
        {
            long start = k * 100 * Ms;
            trace.BeginBatch([k], [start], start);
            trace.MarkStage(FrameStage.ToTensor, start + Ms);
            trace.MarkStage(FrameStage.Preprocess, start + 2 * Ms);
            trace.MarkExtra(0, start + 2_500);
            trace.MarkExtra(1, start + 2_800);
            trace.MarkExtra(2, start + 5_500);
            trace.MarkStage(FrameStage.Inference, start + 5_750);
            trace.MarkStage(FrameStage.Postprocess, start + 6 * Ms);
            trace.EndBatch();
        }

        trace.RecordDropped(3, 300 * Ms);

        DeviceTimeSplit split = DeviceTimeSplit.FromTrace(trace)!;

        Assert.Equal(0.75, split.TransferMilliseconds, 9);
        Assert.Equal(0.3, split.HostEnqueueMilliseconds, 9);
        Assert.Equal(3, split.DeviceComputeMilliseconds, 9);
    }

    [Fact]
    public void A_trace_without_device_marks_has_no_split()
    {
        var trace = new FrameTrace(4, 1_000_000);
        trace.BeginBatch([0], [0], 0);
        foreach (FrameStage stage in Enum.GetValues<FrameStage>())
        {
            trace.MarkStage(stage, Ms);
        }

        trace.EndBatch();

        Assert.Null(DeviceTimeSplit.FromTrace(trace));
        Assert.Null(DeviceTimeSplit.FromTrace(new FrameTrace(4, 1_000_000, VisionPipelineProcessor.DeviceMarkNames)));
    }
}
