using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime.Int8;
using EdgeBench.Models.Int8;
using EdgeBench.Models.Onnx;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgeBench.Tests.Models;

public sealed class QdqQuantizerTests : IDisposable
{
    private const int Side = 8;

    private readonly string _directory = Directory.CreateTempSubdirectory("edgebench-int8-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// x [N,3,8,8] -> Conv 3x3 (+bias) -> Relu -> Conv 1x1 -> Add(residual from the Relu) -> GlobalAveragePool -> Flatten
    /// -> Gemm (transB, +bias) -> y [N,5]: a residual block with a classifier head, the ops of EdgeBench's CNNs.
    /// </summary>
    private static ModelProto SmallNetwork(string firstOp = "Identity")
    {
        var random = new Random(3);
        float[] Values(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray();
        var graph = new GraphProto { Name = "small" };
        graph.Input.Add(OnnxGraphBuilder.ValueInfo("x", DataType.Float, [1, 3, Side, Side]));
        graph.Output.Add(OnnxGraphBuilder.ValueInfo("y", DataType.Float, [1, 5]));
        graph.Initializer.Add(OnnxGraphBuilder.FloatTensor("w1", [4, 3, 3, 3], Values(108, 0.5f)));
        graph.Initializer.Add(OnnxGraphBuilder.FloatTensor("b1", [4], Values(4, 0.1f)));
        graph.Initializer.Add(OnnxGraphBuilder.FloatTensor("w2", [4, 4, 1, 1], Values(16, 0.5f)));
        graph.Initializer.Add(OnnxGraphBuilder.FloatTensor("wfc", [5, 4], Values(20, 0.5f)));
        graph.Initializer.Add(OnnxGraphBuilder.FloatTensor("bfc", [5], Values(5, 0.1f)));
        graph.Node.Add(OnnxGraphBuilder.Node(firstOp, "first", ["x"], ["x0"]));
        NodeProto conv1 = OnnxGraphBuilder.Node("Conv", "conv1", ["x0", "w1", "b1"], ["c1"]);
        conv1.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } });
        graph.Node.Add(conv1);
        graph.Node.Add(OnnxGraphBuilder.Node("Relu", "relu1", ["c1"], ["r1"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Conv", "conv2", ["r1", "w2"], ["c2"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Add", "add", ["c2", "r1"], ["a"]));
        graph.Node.Add(OnnxGraphBuilder.Node("GlobalAveragePool", "gap", ["a"], ["g"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Flatten", "flatten", ["g"], ["f"]));
        NodeProto gemm = OnnxGraphBuilder.Node("Gemm", "fc", ["f", "wfc", "bfc"], ["y"]);
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gemm);
        var model = new ModelProto { IrVersion = OnnxGraphBuilder.IrVersion, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OnnxGraphBuilder.Opset });
        return model;
    }

    private static ModelDescriptor SmallDescriptor() => new("small", ModelFamily.Classifier,
        new TensorSpec("x", [TensorSpec.DynamicBatch, 3, Side, Side]), Normalization.ImageNet,
        [new TensorSpec("y", [TensorSpec.DynamicBatch, 5])], PostprocessKind.Classification, "test network");

    private static FrameBuffer[] Frames(int count, int width = 16, int height = 12, int seed = 5)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var pixels = new byte[width * height * 3];
            random.NextBytes(pixels);
            return FrameBuffer.Packed(width, height, PixelFormat.Rgb24, pixels);
        }).ToArray();
    }

    private string Save(ModelProto model, string name)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>Scalar reference: per channel max|w|/127, round half to even, clamp to [-127, 127].</summary>
    private static (sbyte[] Values, float[] Scales) ReferencePerChannel(float[] w, long[] dims, int axis)
    {
        int channels = (int)dims[axis];
        int inner = (int)dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d);
        var scales = new float[channels];
        for (int i = 0; i < w.Length; i++)
        {
            int c = i / inner % channels;
            scales[c] = Math.Max(scales[c], Math.Abs(w[i]));
        }

        for (int c = 0; c < channels; c++)
        {
            scales[c] = scales[c] == 0 ? 1f : scales[c] / 127f;
        }

        var q = new sbyte[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            float r = MathF.Round(w[i] / scales[i / inner % channels], MidpointRounding.ToEven);
            q[i] = (sbyte)Math.Clamp(r, -127f, 127f);
        }

        return (q, scales);
    }

    [Theory]
    [InlineData(new long[] { 8, 3, 3, 3 }, 0)]
    [InlineData(new long[] { 16, 10 }, 1)]
    [InlineData(new long[] { 6, 5 }, 0)]
    public void Weights_round_trip_within_half_a_step_and_match_the_scalar_reference(long[] dims, int axis)
    {
        var random = new Random(11);
        int n = (int)dims.Aggregate(1L, (a, d) => a * d);
        // Channels of very different magnitudes, and one all-zero channel: per-channel scales must follow each.
        float[] w = Enumerable.Range(0, n).Select(i => (float)((random.NextDouble() * 2) - 1) * MathF.Pow(10, (i % 3) - 1)).ToArray();
        int inner = (int)dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d);
        for (int i = 0; i < n; i++)
        {
            if (i / inner % dims[axis] == 1)
            {
                w[i] = 0;
            }
        }

        (sbyte[] values, float[] scales) = QdqQuantizer.QuantizePerChannel(w, dims, axis);
        (sbyte[] expectedValues, float[] expectedScales) = ReferencePerChannel(w, dims, axis);

        Assert.Equal(expectedScales, scales);
        Assert.Equal(expectedValues, values);
        Assert.Equal(1f, scales[1]);
        for (int i = 0; i < n; i++)
        {
            float scale = scales[i / inner % (int)dims[axis]];
            float restored = values[i] * scale;
            Assert.True(Math.Abs(restored - w[i]) <= (scale / 2) + 1e-7f, $"w[{i}] = {w[i]} came back as {restored} (step {scale})");
        }
    }

    [Fact]
    public void Activation_parameters_hold_zero_exactly_and_round_trip_within_half_a_step()
    {
        var random = new Random(2);
        foreach (ActivationRange range in (ActivationRange[])[new(-1.5f, 3.25f), new(0f, 6f), new(0.5f, 2f), new(-4f, -1f)])
        {
            (float scale, byte zeroPoint) = QdqQuantizer.ActivationParameters(range);
            Assert.Equal(0f, QdqQuantizer.RoundTrip(0f, scale, zeroPoint));
            for (int i = 0; i < 1000; i++)
            {
                float x = range.Min + (float)random.NextDouble() * (range.Max - range.Min);
                Assert.True(Math.Abs(QdqQuantizer.RoundTrip(x, scale, zeroPoint) - x) <= (scale / 2) * 1.0001f, $"{x} in [{range.Min}, {range.Max}]");
            }
        }

        Assert.Equal((1f, (byte)0), QdqQuantizer.ActivationParameters(new ActivationRange(0f, 0f)));
    }

    [Fact]
    public void Quantized_graph_loads_runs_close_to_fp32_and_becomes_integer_kernels()
    {
        ModelProto fp32 = SmallNetwork();
        var quantizer = new OrtStaticQuantizer(Frames(6), "test frames", threads: 1);
        ModelProto int8 = quantizer.Quantize(fp32, SmallDescriptor());

        Assert.Contains(int8.Graph.Initializer, t => t.DataType == (int)DataType.Int8 && t.Dims.SequenceEqual(new long[] { 4, 3, 3, 3 }));
        Assert.Contains(int8.Graph.Initializer, t => t.DataType == (int)DataType.Int32 && t.Dims.SequenceEqual(new long[] { 4 }));
        Assert.Contains(int8.MetadataProps, p => p.Key == QdqQuantizer.MetadataKey && p.Value.Contains("minmax", StringComparison.Ordinal));

        string fp32Path = Save(fp32, "fp32.onnx"), int8Path = Save(int8, "int8.onnx");
        // A frame the calibration did not see, from the same source, preprocessed as the pipeline does.
        var input = new float[3 * Side * Side];
        new EdgeBench.Preprocessing.Preprocessor(SmallDescriptor(), 16, 12).Run(Frames(1, seed: 99)[0], input);
        using var reference = new OrtRunner(fp32Path);
        using var quantized = new OrtRunner(int8Path);
        float[] expected = reference.Run(input, [1, 3, Side, Side])[0].Values;
        float[] actual = quantized.Run(input, [1, 3, Side, Side])[0].Values;
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            dot += expected[i] * (double)actual[i];
            na += expected[i] * (double)expected[i];
            nb += actual[i] * (double)actual[i];
        }

        Assert.True(dot / Math.Sqrt(na * nb) > 0.99, $"cosine {dot / Math.Sqrt(na * nb):F4}: [{string.Join(", ", expected)}] vs [{string.Join(", ", actual)}]");

        IntegerKernelCount kernels = OrtStaticQuantizer.IntegerKernels(int8Path, Path.Combine(_directory, "int8-optimized.onnx"));
        Assert.True(kernels.Count("QLinearConv") >= 2, kernels.Describe());
        Assert.Equal(0, kernels.FloatCompute);
    }

    [Fact]
    public void No_calibration_frames_is_an_error_naming_the_source()
    {
        var e = Assert.Throws<CalibrationException>(() => new OrtStaticQuantizer([], "the folder frames/", threads: 1));
        Assert.Contains("the folder frames/", e.Message, StringComparison.Ordinal);
        Assert.Contains("at least one frame", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_frame_of_another_size_is_an_error_naming_it()
    {
        FrameBuffer[] frames = [.. Frames(2), .. Frames(1, width: 20, height: 10)];
        var e = Assert.Throws<CalibrationException>(() => new OrtStaticQuantizer(frames, "footage.y4m", threads: 1));
        Assert.Contains("frame 2 of footage.y4m is 20x10; expected 16x12", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_activations_are_an_error_naming_the_tensor_and_frame()
    {
        // Log of the normalized image: its negative values give NaN on every frame.
        var quantizer = new OrtStaticQuantizer(Frames(2), "test frames", threads: 1);
        var e = Assert.Throws<CalibrationException>(() => quantizer.Quantize(SmallNetwork("Log"), SmallDescriptor()));
        Assert.Contains("frame 0 of test frames: tensor 'x0' holds NaN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_range_is_an_error_naming_the_tensor()
    {
        ModelProto model = SmallNetwork();
        var ranges = QdqQuantizer.ActivationsToCalibrate(model).Skip(1).ToDictionary(t => t, _ => new ActivationRange(-1, 1));
        var e = Assert.Throws<CalibrationException>(() => QdqQuantizer.Quantize(model, ranges, "test"));
        Assert.Contains("tensor 'x0'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Old_opset_models_are_raised_to_13_with_split_attributes_as_inputs()
    {
        ModelProto model = SmallNetwork();
        model.OpsetImport[0].Version = 11;
        // x0 -> Split (attribute form, opset 11) -> Concat -> the first Conv reads the concatenation.
        NodeProto split = OnnxGraphBuilder.Node("Split", "split", ["x0"], ["s0", "s1"]);
        split.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        split.Attribute.Add(new AttributeProto { Name = "split", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 2 } });
        NodeProto concat = OnnxGraphBuilder.Node("Concat", "concat", ["s0", "s1"], ["xc"]);
        concat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        model.Graph.Node.Insert(1, split);
        model.Graph.Node.Insert(2, concat);
        model.Graph.Node.First(n => n.Name == "conv1").Input[0] = "xc";

        var quantizer = new OrtStaticQuantizer(Frames(2), "test frames", threads: 1);
        ModelProto int8 = quantizer.Quantize(model, SmallDescriptor());
        Assert.Equal(13, int8.OpsetImport.First(o => o.Domain.Length == 0).Version);
        using var runner = new OrtRunner(Save(int8, "split.onnx"));
        Assert.All(runner.Run(new float[3 * Side * Side], [1, 3, Side, Side])[0].Values, v => Assert.True(float.IsFinite(v)));
    }
}
