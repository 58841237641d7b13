using EdgeBench.Core;
using EdgeBench.Models.Onnx;
using Google.Protobuf;
using Onnx;

namespace EdgeBench.Models.Graph;

/// <summary>
/// The smallest model that is one large GEMM: <c>Y = MatMul(A, B)</c> with A and B square [n, n] inputs of one
/// precision. A GPU's matrix peak is measured by running it through the engine the cases use (the GEMM probe).
/// </summary>
public static class GemmModel
{
    public const string InputA = "A";
    public const string InputB = "B";
    public const string Output = "Y";

    /// <summary>The serialized model for <paramref name="n"/> x <paramref name="n"/> operands in <paramref name="precision"/>.</summary>
    public static byte[] Build(int n, Precision precision)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        TensorProto.Types.DataType type = precision switch
        {
            Precision.Fp32 => TensorProto.Types.DataType.Float,
            Precision.Fp16 => TensorProto.Types.DataType.Float16,
            _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "the GEMM probe runs fp32 and fp16"),
        };

        var graph = new GraphProto { Name = $"gemm-{n}" };
        graph.Input.Add(Square(InputA, type, n));
        graph.Input.Add(Square(InputB, type, n));
        graph.Output.Add(Square(Output, type, n));
        var node = new NodeProto { Name = "gemm", OpType = "MatMul" };
        node.Input.Add(InputA);
        node.Input.Add(InputB);
        node.Output.Add(Output);
        graph.Node.Add(node);
        var model = new ModelProto
        {
            IrVersion = OnnxGraphBuilder.IrVersion,
            ProducerName = "EdgeBench",
            DocString = "GEMM probe: one square MatMul",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OnnxGraphBuilder.Opset });
        return model.ToByteArray();
    }

    /// <summary>FLOPs of one run: n^3 multiply-accumulates, 2 FLOPs each (the rule <see cref="FlopCounter"/> counts by).</summary>
    public static double Flops(int n) => 2.0 * n * n * n;

    private static ValueInfoProto Square(string name, TensorProto.Types.DataType type, int n)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = n });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = n });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
