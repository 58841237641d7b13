using Onnx;

namespace EdgeBench.Tests.Models;

/// <summary>Reads facts off an ONNX graph for assertions.</summary>
internal static class OnnxGraphInspection
{
    /// <summary>
    /// Elements of every Conv and Gemm weight tensor (input 1): torchvision's "Conv2d and Linear weights" figure,
    /// which batch-norm folding does not change (it rescales weights and adds biases, both uncounted).
    /// </summary>
    public static long ConvAndGemmWeightElements(ModelProto model)
    {
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        long total = 0;
        foreach (NodeProto node in model.Graph.Node.Where(n => n.OpType is "Conv" or "Gemm"))
        {
            TensorProto weight = initializers[node.Input[1]];
            total += weight.Dims.Aggregate(1L, (a, b) => a * b);
        }

        return total;
    }

    public static long[] OutputShape(ModelProto model, string name) =>
        model.Graph.Output.Single(o => o.Name == name).Type.TensorType.Shape.Dim
            .Select(d => d.DimParam.Length > 0 ? -1 : d.DimValue).ToArray();
}
