using EdgeBench.Models.Fp16;
using EdgeBench.Models.Onnx;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgeBench.Tests.Models;

public sealed class Fp16ConverterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgebench-fp16-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// x [1,2,2,2] -> Mul(w) -> Add(Constant value_float) -> Resize x2 nearest (blocked op) -> Cast(to float) -> y.
    /// Exercises initializers, Constant attributes, a blocked op and a Cast target.
    /// </summary>
    private static ModelProto SmallGraph()
    {
        var graph = new GraphProto { Name = "small" };
        graph.Input.Add(OnnxGraphBuilder.ValueInfo("x", DataType.Float, [1, 2, 2, 2]));
        graph.Output.Add(OnnxGraphBuilder.ValueInfo("y", DataType.Float, [1, 2, 4, 4]));
        graph.Initializer.Add(OnnxGraphBuilder.FloatTensor("w", [1, 2, 1, 1], [0.5f, -2f]));
        graph.Initializer.Add(OnnxGraphBuilder.FloatTensor("scales", [4], [1f, 1f, 2f, 2f]));
        var constant = OnnxGraphBuilder.Node("Constant", "c", [], ["c"]);
        constant.Attribute.Add(new AttributeProto { Name = "value_float", Type = AttributeProto.Types.AttributeType.Float, F = 0.25f });
        graph.Node.Add(constant);
        graph.Node.Add(OnnxGraphBuilder.Node("Mul", "mul", ["x", "w"], ["m"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Add", "add", ["m", "c"], ["a"]));
        var resize = OnnxGraphBuilder.Node("Resize", "resize", ["a", string.Empty, "scales"], ["r"]);
        resize.Attribute.Add(new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("nearest") });
        graph.Node.Add(resize);
        var cast = OnnxGraphBuilder.Node("Cast", "cast", ["r"], ["y"]);
        cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (int)DataType.Float });
        graph.Node.Add(cast);
        var model = new ModelProto { IrVersion = OnnxGraphBuilder.IrVersion, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OnnxGraphBuilder.Opset });
        return model;
    }

    private static readonly float[] s_input = [1f, 2f, 3f, 4f, -1f, -0.5f, 0f, 8f];

    private float[] RunFile(ModelProto model, string name)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, model.ToByteArray());
        using var runner = new OrtRunner(path);
        return runner.Run(s_input, [1, 2, 2, 2])[0].Values;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Converted_graph_runs_and_matches_fp32(bool keepIoTypes)
    {
        ModelProto fp32 = SmallGraph();
        ModelProto fp16 = Fp16Converter.Convert(fp32, new Fp16ConversionOptions { KeepIoTypes = keepIoTypes });

        float[] expected = RunFile(fp32, "fp32.onnx");
        float[] actual = RunFile(fp16, $"fp16-{keepIoTypes}.onnx");

        Assert.Equal(32, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.InRange(actual[i], expected[i] - (2e-3f * MathF.Abs(expected[i])) - 1e-3f, expected[i] + (2e-3f * MathF.Abs(expected[i])) + 1e-3f);
        }

        int ioType = keepIoTypes ? (int)DataType.Float : (int)DataType.Float16;
        Assert.Equal(ioType, fp16.Graph.Input[0].Type.TensorType.ElemType);
        Assert.Equal(ioType, fp16.Graph.Output[0].Type.TensorType.ElemType);
    }

    [Fact]
    public void Initializers_constants_and_casts_become_fp16_and_blocked_ops_stay_fp32()
    {
        ModelProto fp16 = Fp16Converter.Convert(SmallGraph());

        Assert.All(fp16.Graph.Initializer, t => Assert.Equal((int)DataType.Float16, t.DataType));
        Assert.Equal((int)DataType.Float16, fp16.Graph.Node.Single(n => n.Name == "c").Attribute.Single().T.DataType);
        Assert.Equal((int)DataType.Float16, fp16.Graph.Node.Single(n => n.Name == "cast").Attribute.Single().I);
        NodeProto resize = fp16.Graph.Node.Single(n => n.OpType == "Resize");
        // Its float inputs (data and scales) arrive through Casts to float, and its output is cast back to float16.
        Assert.All(new[] { resize.Input[0], resize.Input[2] }, input =>
            Assert.Equal((int)DataType.Float, fp16.Graph.Node.Single(n => n.Output.Contains(input)).Attribute.Single().I));
        Assert.Equal(string.Empty, resize.Input[1]);
        NodeProto after = fp16.Graph.Node.Single(n => n.Input.Contains(resize.Output[0]));
        Assert.Equal("Cast", after.OpType);
        Assert.Equal((int)DataType.Float16, after.Attribute.Single().I);
    }

    [Fact]
    public void Source_model_is_not_modified()
    {
        ModelProto fp32 = SmallGraph();
        byte[] before = fp32.ToByteArray();

        Fp16Converter.Convert(fp32);

        Assert.Equal(before, fp32.ToByteArray());
    }

    [Theory]
    [InlineData(1e6f, 65504f)]
    [InlineData(-1e6f, -65504f)]
    [InlineData(1e-12f, 5.96e-08f)]
    [InlineData(-1e-12f, -5.96e-08f)]
    [InlineData(0f, 0f)]
    [InlineData(1.5f, 1.5f)]
    public void Out_of_range_values_are_clamped_to_finite_nonzero_halves(float value, float expected)
    {
        Assert.Equal((Half)expected, Fp16Converter.ToHalfClamped(value));
    }
}
