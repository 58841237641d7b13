using EdgeBench.Core;
using EdgeBench.Core.Imaging;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Preprocessing;

namespace EdgeBench.IntegrationTests.Models;

/// <summary>
/// The generated detectors' heads are calibrated (ModelCatalog) so that the end-to-end loop's postprocess does the
/// work a trained detector causes on a busy frame: hundreds of candidates above the score threshold, not zero (NMS
/// would look free) and not tens of thousands (the loop would measure an absurd NMS). Measured on the frames the
/// benchmarks feed: the synthetic video, frames 0-7.
/// </summary>
public sealed class DetectorCalibrationTests : IDisposable
{
    private const int Frames = 8;
    private readonly string _models = Directory.CreateTempSubdirectory("edgebench-calibration-").FullName;

    public void Dispose() => Directory.Delete(_models, recursive: true);

    /// <remarks>
    /// Bounds around the values ModelCatalog documents (SSD300 ~680 candidates and the 200-detection cap per frame;
    /// YOLOv3-tiny ~140 candidates and ~50 detections; YOLOv8n ~150 candidates and ~22 detections), wide enough for fp16 and for ONNX Runtime's kernel choice,
    /// narrow enough that an uncalibrated head (0 or 140,000 candidates) fails.
    /// </remarks>
    [Theory]
    [InlineData(ModelCatalog.Ssd300, Precision.Fp32, 300, 1500, 100, 200)]
    [InlineData(ModelCatalog.Ssd300, Precision.Fp16, 300, 1500, 100, 200)]
    [InlineData(ModelCatalog.TinyYoloV3, Precision.Fp32, 60, 400, 15, 150)]
    [InlineData(ModelCatalog.TinyYoloV3, Precision.Fp16, 60, 400, 15, 150)]
    [InlineData(ModelCatalog.YoloV8nId, Precision.Fp32, 60, 400, 8, 100)]
    [InlineData(ModelCatalog.YoloV8nId, Precision.Fp16, 60, 400, 8, 100)]
    public void Detector_yields_hundreds_of_candidates_per_frame_on_the_benchmark_frames(
        string id, Precision precision, int minCandidates, int maxCandidates, int minDetections, int maxDetections)
    {
        var store = new ModelStore(_models);
        using var pipeline = new VisionPipeline(new OrtBackend(store.Resolve(id, precision), batchSize: Frames), 640, 480);
        var video = new SyntheticVideo();
        FrameBuffer[] frames = Enumerable.Range(0, Frames).Select(i =>
        {
            byte[] pixels = new byte[video.FrameBytes];
            video.Render(i, pixels);
            return FrameBuffer.Packed(640, 480, PixelFormat.Rgb24, pixels);
        }).ToArray();

        int detections = pipeline.ProcessBatch(frames);

        double candidatesPerFrame = pipeline.LastCandidateCount / (double)Frames;
        double detectionsPerFrame = detections / (double)Frames;
        Assert.InRange(candidatesPerFrame, minCandidates, maxCandidates);
        Assert.InRange(detectionsPerFrame, minDetections, maxDetections);
    }
}
