using EdgeBench.Core;
using EdgeBench.Core.Imaging;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Preprocessing;

namespace EdgeBench.IntegrationTests.Benchmarks;

public sealed class SteadyStateAllocationTests : IDisposable
{
    private readonly string _models = Directory.CreateTempSubdirectory("edgebench-alloc-").FullName;

    public void Dispose() => Directory.Delete(_models, recursive: true);

    /// <summary>
    /// The end-to-end loop allocates no managed memory per frame once warm: frames in, detections out, with the real
    /// SSD300 (calibrated heads, hundreds of candidates) on the ONNX Runtime CPU EP, and the anchor-free YOLOv8n head.
    /// </summary>
    [Theory]
    [InlineData(ModelCatalog.Ssd300, Precision.Fp32)]
    [InlineData(ModelCatalog.TinyYoloV3, Precision.Fp16)]
    [InlineData(ModelCatalog.MobileNetV2Id, Precision.Fp32)]
    [InlineData(ModelCatalog.YoloV8nId, Precision.Fp32)]
    public void End_to_end_loop_allocates_nothing_per_frame(string id, Precision precision)
    {
        var store = new ModelStore(_models);
        using var pipeline = new VisionPipeline(new OrtBackend(store.Resolve(id, precision), batchSize: 1), 640, 480);
        var video = new SyntheticVideo();
        FrameBuffer[] frames = Enumerable.Range(0, 6).Select(i =>
        {
            byte[] pixels = new byte[video.FrameBytes];
            video.Render(i, pixels);
            return FrameBuffer.Packed(640, 480, PixelFormat.Rgb24, pixels);
        }).ToArray();

        // Warm up: buffers inside the postprocessor grow to the largest candidate count these frames need.
        for (int round = 0; round < 2; round++)
        {
            foreach (FrameBuffer frame in frames)
            {
                pipeline.ProcessBatch([frame]);
            }
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (FrameBuffer frame in frames)
        {
            pipeline.ProcessBatch([frame]);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
