using EdgeBench.Core.Imaging;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Profiling;

namespace EdgeBench.Pipeline.Frames;

/// <summary>
/// An <see cref="IVisionPipeline"/> as the <see cref="ScenarioRunner"/> drives it: each call takes the camera frames
/// with the batch's sequence numbers from a ring of decoded frames (frame n is ring[n mod length], so a camera that
/// drops frames also skips their pixels) and runs the four stages one by one, marking the end of each.
/// </summary>
/// <remarks>
/// The stages are the pipeline's own methods, the same the stage benchmarks time one at a time and
/// <see cref="IVisionPipeline.ProcessBatch"/> runs together, so a frame's stage split adds up to its end-to-end time
/// and nothing is measured that the stage rows do not also measure. Allocation-free: the batch's frames go into an
/// array made once.
/// <para>On a device-staged backend (<see cref="IDeviceStagedInference"/>: ONNX Runtime with device-bound I/O) the
/// inference stage runs as its four steps, which is exactly what <see cref="VisionPipeline.Infer"/> runs, and marks
/// <see cref="DeviceMarkNames"/> between them: upload done, host enqueue done, device done (the download follows).
/// From those the diagnosis reads transfer-bound (copies against device time) and launch-bound (queuing against
/// device time).</para>
/// </remarks>
public sealed class VisionPipelineProcessor : IFrameBatchProcessor
{
    private readonly IVisionPipeline _pipeline;
    private readonly FrameBuffer[] _ring;
    private readonly FrameBuffer[] _batchFrames;
    private readonly IDeviceStagedInference? _staged;

    /// <summary>The extra marks of a device-staged inference stage, in the order they are taken.</summary>
    public static IReadOnlyList<string> DeviceMarkNames { get; } = [UploadDone, HostEnqueueDone, DeviceDone];

    /// <summary>Input copied to the device.</summary>
    public const string UploadDone = "upload_done";

    /// <summary>The host has queued the model's device work.</summary>
    public const string HostEnqueueDone = "host_enqueue_done";

    /// <summary>The device has finished it (outputs not yet copied back).</summary>
    public const string DeviceDone = "device_done";

    /// <param name="pipeline">The pipeline to drive; not owned.</param>
    /// <param name="ring">Decoded camera frames, at least one.</param>
    public VisionPipelineProcessor(IVisionPipeline pipeline, FrameBuffer[] ring)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(ring);
        if (ring.Length == 0)
        {
            throw new ArgumentException("The frame ring is empty; a scenario needs at least one decoded frame.", nameof(ring));
        }

        _pipeline = pipeline;
        _ring = ring;
        _batchFrames = new FrameBuffer[pipeline.BatchSize];
        // Only EdgeBench's own pipeline: its Infer is the backend's Run and nothing else, so running the steps here
        // measures the same work (another pipeline may wrap the backend in more).
        // And only where the enqueue mark means queuing (the CUDA provider; TensorRT may wait inside its run).
        _staged = pipeline is VisionPipeline && pipeline.Backend is IDeviceStagedInference { EnqueueReturnsBeforeDevice: true } staged ? staged : null;
    }

    /// <summary>The extra marks this processor records: <see cref="DeviceMarkNames"/> on a device-staged backend, else none.</summary>
    public IReadOnlyList<string> ExtraMarkNames => _staged is null ? [] : DeviceMarkNames;

    public int BatchSize => _pipeline.BatchSize;

    /// <summary>Results of the last batch: detections or top-k entries.</summary>
    public int LastResultCount { get; private set; }

    public void Process(FrameBatch batch)
    {
        using Nvtx.Range frameRange = Nvtx.Push(StageRanges.Frame);
        ReadOnlySpan<long> numbers = batch.FrameNumbers;
        for (int i = 0; i < _batchFrames.Length; i++)
        {
            // Warm-up frames are numbered below zero: take them from the ring all the same.
            long slot = numbers[i] % _ring.Length;
            _batchFrames[i] = _ring[slot < 0 ? slot + _ring.Length : slot];
        }

        _pipeline.ToTensor(_batchFrames);
        batch.Mark(FrameStage.ToTensor);
        _pipeline.Preprocess();
        batch.Mark(FrameStage.Preprocess);
        if (_staged is null)
        {
            _pipeline.Infer();
        }
        else
        {
            // The steps of VisionPipeline.Infer, which opens this range itself on the other branch.
            using Nvtx.Range inferenceRange = Nvtx.Push(StageRanges.Inference);
            _staged.Upload();
            batch.MarkExtra(0);
            _staged.Enqueue();
            batch.MarkExtra(1);
            _staged.WaitForDevice();
            batch.MarkExtra(2);
            _staged.Download();
        }

        batch.Mark(FrameStage.Inference);
        LastResultCount = _pipeline.Postprocess(); // as ProcessBatch: 0 results where the model has no postprocess
        batch.Mark(FrameStage.Postprocess);
    }
}
