using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Inference.TorchSharp;
using EdgeBench.Inference.TorchSharp.Pipeline;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Pipeline.Quality;
using EdgeBench.Postprocessing;
using EdgeBench.Preprocessing;
using Xunit.Abstractions;

namespace EdgeBench.IntegrationTests.TorchSharp;

/// <summary>
/// The libtorch pipeline (TorchVisionPipeline) against EdgeBench's ONNX Runtime pipeline (VisionPipeline) on the same
/// frames and the same recorded-style outputs. Tolerances, and why:
/// <list type="bullet">
/// <item>Preprocess: max |torch − ORT| ≤ 2e-3 of the model input's range. Both are bilinear, align_corners=false,
/// no antialias; they differ only in float rounding of weights and the order of the normalization arithmetic.</item>
/// <item>Postprocess on the same outputs: the same detections (count equal, every one matched with the same class at
/// IoU ≥ 0.999, score within 1e-5) and the same top-5 (ids equal, probabilities within 1e-6): decoding constants and
/// NMS rules are shared, only libtorch's exp/softmax/sigmoid rounding differs.</item>
/// <item>End to end: inference outputs already differ by ~1e-5 × RMS and the preprocess by rounding, so a candidate on
/// the threshold may flip: ≥ 95% of the larger detection list matched at IoU 0.5 with the same class; top-1 equal.</item>
/// </list>
/// Detection counts are never hard-coded (the generated heads' calibration may change).
/// </summary>
public sealed class TorchVisionPipelineTests(TorchSharpModelsFixture models, ITestOutputHelper output) : IClassFixture<TorchSharpModelsFixture>
{
    private const int Batch = 2;
    private const int Threads = 2;

    [Theory]
    [InlineData(ModelCatalog.Ssd300)]
    [InlineData(ModelCatalog.TinyYoloV3)]
    [InlineData(ModelCatalog.MobileNetV2Id)]
    public void Preprocess_and_postprocess_agree_with_the_onnx_runtime_pipeline(string id)
    {
        if (!TorchSharpBackendTests.TorchSharpExpected())
        {
            return;
        }

        (VisionPipeline ort, TorchVisionPipeline torch) = Create(id);
        using (ort)
        using (torch)
        {
            FrameBuffer[] frames = Frames(Batch);
            ort.ToTensor(frames);
            ort.Preprocess();
            torch.ToTensor(frames);
            torch.Preprocess();
            (double maxAbs, double range) = InputDifference(ort.Backend.Input.AsFloat(), torch.Backend.Input.AsFloat());
            output.WriteLine($"{id} preprocess: max|diff| {maxAbs:G3} over a range of {range:G3}");
            Assert.True(maxAbs <= 2e-3 * range, $"{id}: preprocess differs by {maxAbs:G3} (range {range:G3})");

            HostTensor[] recorded = RecordedOutputs(ort.Backend, id);
            int ortCount = ort.Postprocess(recorded);
            int torchCount = torch.Postprocess(recorded);
            output.WriteLine($"{id} postprocess on recorded outputs: ORT {ortCount}, torch {torchCount}; candidates {ort.LastCandidateCount} / {torch.LastCandidateCount}");
            Assert.Equal(ortCount, torchCount);
            Assert.Equal(ort.LastCandidateCount, torch.LastCandidateCount);
            if (ort.Model.Postprocess == PostprocessKind.Classification)
            {
                for (int i = 0; i < ortCount; i++)
                {
                    Assert.Equal(ort.ClassScores[i].ClassId, torch.ClassScores[i].ClassId);
                    Assert.Equal(ort.ClassScores[i].Probability, torch.ClassScores[i].Probability, 1e-6f);
                }
            }
            else
            {
                Assert.True(ortCount > 0, "the recorded outputs must produce detections, or the comparison proves nothing");
                Assert.Equal(ortCount, OutputComparison.MatchedDetections(ort.Detections, torch.Detections, 0.999f));
                var byKey = torch.Detections.ToLookup(d => (d.BatchIndex, d.ClassId));
                foreach (Detection d in ort.Detections)
                {
                    Assert.Contains(byKey[(d.BatchIndex, d.ClassId)], t => Math.Abs(t.Score - d.Score) <= 1e-5f && t.Box.IoU(d.Box) >= 0.999f);
                }
            }
        }
    }

    [Theory]
    [InlineData(ModelCatalog.TinyYoloV3)]
    [InlineData(ModelCatalog.Ssd300)]
    [InlineData(ModelCatalog.MobileNetV2Id)]
    public void End_to_end_results_agree_with_the_onnx_runtime_pipeline(string id)
    {
        if (!TorchSharpBackendTests.TorchSharpExpected())
        {
            return;
        }

        (VisionPipeline ort, TorchVisionPipeline torch) = Create(id);
        using (ort)
        using (torch)
        {
            FrameBuffer[] frames = Frames(Batch);
            int ortCount = ort.ProcessBatch(frames);
            int torchCount = torch.ProcessBatch(frames);
            output.WriteLine($"{id} end to end: ORT {ortCount} results, torch {torchCount}");
            if (ort.Model.Postprocess == PostprocessKind.Classification)
            {
                Assert.Equal(ortCount, torchCount);
                for (int n = 0; n < Batch; n++)
                {
                    int k = ortCount / Batch;
                    Assert.Equal(ort.ClassScores[n * k].ClassId, torch.ClassScores[n * k].ClassId);
                    Assert.Equal(ort.ClassScores[n * k].Probability, torch.ClassScores[n * k].Probability, 1e-3f);
                }
            }
            else
            {
                int larger = Math.Max(ortCount, torchCount);
                int matched = OutputComparison.MatchedDetections(ort.Detections, torch.Detections);
                output.WriteLine($"{id}: {matched} of {larger} matched at IoU 0.5");
                Assert.True(matched >= 0.95 * larger, $"{id}: {matched} of {larger} detections matched");
            }
        }
    }

    /// <summary>
    /// A sidecar that asks a catalog model for BGR input letterboxed with pad 0: libtorch's flip, interpolate and
    /// F.pad give the input EdgeBench's vectorized path gives, bands included.
    /// </summary>
    [Fact]
    public void Bgr_letterbox_preprocess_agrees_with_the_onnx_runtime_pipeline()
    {
        if (!TorchSharpBackendTests.TorchSharpExpected())
        {
            return;
        }

        string folder = Directory.CreateTempSubdirectory("edgebench-torch-letterbox-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, ModelCatalog.MobileNetV2Id + ".json"), """{ "channel_order": "bgr", "resize": "letterbox", "pad_value": 0 }""");
            (VisionPipeline ort, TorchVisionPipeline torch) = Create(ModelCatalog.MobileNetV2Id, new ModelStore(folder));
            using (ort)
            using (torch)
            {
                Assert.Equal(new InputPreprocessing(ChannelOrder.Bgr, ResizeMode.Letterbox, 0), ort.Model.Preprocessing);
                FrameBuffer[] frames = Frames(Batch);
                ort.ToTensor(frames);
                ort.Preprocess();
                torch.ToTensor(frames);
                torch.Preprocess();
                (double maxAbs, double range) = InputDifference(ort.Backend.Input.AsFloat(), torch.Backend.Input.AsFloat());
                output.WriteLine($"bgr letterbox preprocess: max|diff| {maxAbs:G3} over a range of {range:G3}");
                Assert.True(maxAbs <= 2e-3 * range, $"preprocess differs by {maxAbs:G3} (range {range:G3})");

                // 640x480 into 224x224: 28 band rows above the content, each pixel 0 normalized (the channel's offset).
                float padded = ort.Model.Normalization.Affine(0).Offset;
                Assert.Equal(padded, ort.Backend.Input.AsFloat()[(28 * 224) - 1], 1e-6f);
                Assert.NotEqual(padded, ort.Backend.Input.AsFloat()[28 * 224]);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private (VisionPipeline Ort, TorchVisionPipeline Torch) Create(string id, ModelStore? store = null)
    {
        ResolvedModel model = (store ?? models.Store).Resolve(id, Precision.Fp32);
        var ort = new VisionPipeline(new OrtBackend(model, Batch, new OrtBackendOptions { IntraOpThreads = Threads }), 640, 480);
        try
        {
            return (ort, new TorchVisionPipeline(new TorchSharpBackend(model, Batch, new TorchSharpBackendOptions { Threads = Threads }), 640, 480));
        }
        catch
        {
            ort.Dispose();
            throw;
        }
    }

    internal static FrameBuffer[] Frames(int count)
    {
        var video = new SyntheticVideo(seed: 3);
        return Enumerable.Range(0, count).Select(i =>
        {
            byte[] rgb = new byte[video.FrameBytes];
            video.Render(i * 7, rgb);
            byte[] bgr = new byte[rgb.Length];
            FrameTensor.SwapRedBlueReference(rgb, bgr);
            return FrameBuffer.Packed(video.Width, video.Height, PixelFormat.Bgr24, bgr);
        }).ToArray();
    }

    private static (double MaxAbs, double Range) InputDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double max = 0, lo = double.MaxValue, hi = double.MinValue;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
            lo = Math.Min(lo, a[i]);
            hi = Math.Max(hi, a[i]);
        }

        return (max, hi - lo);
    }

    /// <summary>The postprocess benchmark's load: recorded-style outputs with clustered candidates.</summary>
    internal static HostTensor[] RecordedOutputs(IInferenceBackend backend, string id)
    {
        HostTensor[] outputs = backend.Outputs.Select(o => new HostTensor(o.Name, o.ElementType, [.. o.Shape])).ToArray();
        switch (id)
        {
            case ModelCatalog.Ssd300:
                SyntheticDetectionOutputs.FillSsd(outputs[0].AsFloat(), outputs[1].AsFloat(), Batch, 600, 12, seed: 7);
                break;
            case ModelCatalog.TinyYoloV3:
                SyntheticDetectionOutputs.FillYoloV3Tiny(outputs[0].AsFloat(), outputs[1].AsFloat(), Batch, 150, 12, seed: 7);
                break;
            default:
                SyntheticDetectionOutputs.FillClassification(outputs[0].AsFloat(), Batch, seed: 7);
                break;
        }

        return outputs;
    }
}
