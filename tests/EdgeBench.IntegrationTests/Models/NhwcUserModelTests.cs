using EdgeBench.Core;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Preprocessing;

namespace EdgeBench.IntegrationTests.Models;

/// <summary>
/// A user's NHWC model (postprocess <c>none</c>) placed with its sidecar in a models folder runs inference and the
/// end-to-end loop on the real ONNX Runtime path. The oracle is an NCHW twin with the very same weights (the seeded
/// initializers are named alike): fed the same frames with the same channel order and resize, both must compute the
/// same features, which only holds when the NHWC preprocess and the NHWC input binding are both right.
/// </summary>
public sealed class NhwcUserModelTests : IDisposable
{
    // Not square, so a swapped height and width cannot go unnoticed.
    private const int Height = 48;
    private const int Width = 64;
    private const ulong Seed = 11;

    private readonly string _models = Directory.CreateTempSubdirectory("edgebench-nhwc-").FullName;

    public void Dispose() => Directory.Delete(_models, recursive: true);

    [Theory]
    [InlineData("rgb", "stretch", 1)]
    [InlineData("bgr", "letterbox", 2)]
    public void Nhwc_model_matches_its_nchw_twin_in_inference_and_end_to_end(string channelOrder, string resize, int batch)
    {
        WriteModel("nhwc-net", nhwc: true, channelOrder, resize);
        WriteModel("nchw-net", nhwc: false, channelOrder, resize);
        var store = new ModelStore(_models);
        ResolvedModel nhwcModel = store.Resolve("nhwc-net", Precision.Fp32);
        Assert.Equal((ModelSource.User, TensorLayout.Nhwc, Width, Height), (nhwcModel.Source, nhwcModel.Descriptor.Layout, nhwcModel.Descriptor.InputWidth, nhwcModel.Descriptor.InputHeight));

        using var nhwc = new VisionPipeline(new OrtBackend(nhwcModel, batch), 160, 90);
        using var nchw = new VisionPipeline(new OrtBackend(store.Resolve("nchw-net", Precision.Fp32), batch), 160, 90);
        Assert.Equal(new long[] { batch, Height, Width, 3 }, nhwc.Backend.Input.Shape);

        // 160x90 letterboxed into 64x48: gain 0.4, content 64x36 between 6-row bands.
        Assert.Equal(resize == "letterbox" ? (64, 36, 6) : (64, 48, 0), (nhwc.Mapping.ContentWidth, nhwc.Mapping.ContentHeight, nhwc.Mapping.OffsetY));
        FrameBuffer[] frames = Frames(160, 90, batch);

        // The vectorized preprocess wrote what the scalar reference writes for this model, item by item.
        nhwc.ToTensor(frames);
        nhwc.Preprocess();
        var reference = new float[nhwc.Backend.Input.ElementCount];
        for (int i = 0; i < batch; i++)
        {
            PreprocessReference.Run(nhwc.Frames.Frame(i), nhwc.Model, reference, i);
        }

        Assert.All(nhwc.Backend.Input.AsFloat().ToArray().Zip(reference), p => Assert.Equal(p.Second, p.First, 1e-5f));

        // Inference stage alone, then the whole loop: postprocess 'none' returns no results, the features are the output.
        nhwc.Infer();
        float[] features = nhwc.Backend.Outputs[0].AsFloat().ToArray();
        Assert.Equal(0, nhwc.ProcessBatch(frames));
        Assert.Equal(features, nhwc.Backend.Outputs[0].AsFloat().ToArray());
        Assert.Equal(0, nchw.ProcessBatch(frames));

        float[] expected = nchw.Backend.Outputs[0].AsFloat().ToArray();
        Assert.Equal(expected.Length, features.Length);
        Assert.Contains(expected, v => Math.Abs(v) > 1e-3f); // the comparison is not between two zero maps
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(features[i] - expected[i]) <= 1e-4f * Math.Max(1f, Math.Abs(expected[i])), $"feature {i}: NCHW twin {expected[i]}, NHWC {features[i]}");
        }
    }

    [Fact]
    public void Nhwc_model_gets_an_fp16_variant_that_runs_end_to_end()
    {
        WriteModel("nhwc-net", nhwc: true, "rgb", "letterbox");
        var store = new ModelStore(_models);
        using var fp32 = new VisionPipeline(new OrtBackend(store.Resolve("nhwc-net", Precision.Fp32), 1), 160, 90);
        using var fp16 = new VisionPipeline(new OrtBackend(store.Resolve("nhwc-net", Precision.Fp16), 1), 160, 90);
        FrameBuffer[] frames = Frames(160, 90, 1);

        fp32.ProcessBatch(frames);
        fp16.ProcessBatch(frames);

        Assert.Equal(Precision.Fp16, fp16.Backend.Input.ElementType);
        Assert.Equal(new long[] { 1, Height, Width, 3 }, fp16.Backend.Input.Shape);
        float[] expected = fp32.Backend.Outputs[0].AsFloat().ToArray();
        Half[] actual = fp16.Backend.Outputs[0].AsHalf().ToArray();
        float scale = expected.Max(MathF.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs((float)actual[i] - expected[i]) <= 2e-2f * scale, $"feature {i}: fp32 {expected[i]}, fp16 {(float)actual[i]}");
        }
    }

    private static FrameBuffer[] Frames(int width, int height, int count)
    {
        var video = new SyntheticVideo(width, height, seed: 3);
        return [.. Enumerable.Range(0, count).Select(i => video.RenderFrame(i * 5, new byte[video.FrameBytes]))];
    }

    /// <summary>Two 3x3 convolutions (stride 2, ReLU between) behind a Transpose for the NHWC model; weights from the shared seed.</summary>
    private void WriteModel(string id, bool nhwc, string channelOrder, string resize)
    {
        var g = new OnnxGraphBuilder(id, Seed);
        string x = nhwc ? g.Transpose("to_nchw", g.Input("images", -1, Height, Width, 3), 0, 3, 1, 2) : g.Input("images", -1, 3, Height, Width);
        x = g.Relu(g.Conv("conv1", x, 3, 8, 3, WeightInit.Relu, stride: 2));
        x = g.Conv("conv2", x, 8, 4, 3, WeightInit.Linear, stride: 2);
        g.Output(x, "features", -1, 4, Height / 4, Width / 4);
        OnnxFiles.WriteAtomically(g.Build("test", $"{id}: NHWC integration test model"), Path.Combine(_models, id + ".onnx"));

        string shape = nhwc ? $"[-1, {Height}, {Width}, 3]" : $"[-1, 3, {Height}, {Width}]";
        File.WriteAllText(Path.Combine(_models, id + ".json"), $$"""
            {
              "family": "feature-extractor",
              "input": { "name": "images", "shape": {{shape}}, "layout": "{{(nhwc ? "nhwc" : "nchw")}}" },
              "normalization": { "mean": [0.1, 0.2, 0.3], "std": [0.5, 0.6, 0.7] },
              "outputs": [ { "name": "features", "shape": [-1, 4, {{Height / 4}}, {{Width / 4}}] } ],
              "postprocess": "none",
              "channel_order": "{{channelOrder}}",
              "resize": "{{resize}}",
              "pad_value": 114
            }
            """);
    }
}
