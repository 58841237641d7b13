using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Postprocessing;
using EdgeBench.Preprocessing;
using EdgeBench.Tests.Postprocessing;
using Onnx;

namespace EdgeBench.Tests.Models;

public sealed class YoloV8nTests : IDisposable
{
    private readonly string _models = Directory.CreateTempSubdirectory("edgebench-yolov8n-").FullName;

    public void Dispose() => Directory.Delete(_models, recursive: true);

    /// <summary>
    /// Ultralytics prints "YOLOv8n summary (fused): 3,151,904 parameters" (<c>model.info()</c> counts every parameter,
    /// the DFL's 16 fixed weights included). Every parameter of the fused model is a convolution's weight or bias, so
    /// the count is every initializer element a Conv reads; anchor grids and shape constants are not parameters.
    /// </summary>
    [Fact]
    public void Parameter_count_equals_ultralytics_fused_yolov8n()
    {
        ModelProto model = ModelCatalog.Build(ModelCatalog.YoloV8nId);
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        long parameters = model.Graph.Node.Where(n => n.OpType == "Conv")
            .SelectMany(n => n.Input.Skip(1))
            .Sum(name => initializers[name].Dims.Aggregate(1L, (a, b) => a * b));

        Assert.Equal(3_151_904L, parameters);

        // 63 fused Conv+BN layers (each with a bias) + the DFL's bias-free 1x1 convolution.
        NodeProto[] convs = model.Graph.Node.Where(n => n.OpType == "Conv").ToArray();
        Assert.Equal(64, convs.Length);
        Assert.Equal(63, convs.Count(n => n.Input.Count == 3));
    }

    /// <summary>Ultralytics reports 8.7 GFLOPs at 640x640: 2 x the multiply-accumulates of its convolutions (thop).</summary>
    [Fact]
    public void Gflops_per_640_frame_match_ultralytics()
    {
        ModelProto model = ModelCatalog.Build(ModelCatalog.YoloV8nId);

        double gflops = 2.0 * GraphShapes.ConvMacs(model, [1, 3, 640, 640]) / 1e9;

        Assert.InRange(gflops, 8.6, 8.8);
    }

    [Fact]
    public void Input_and_output_are_the_ultralytics_export_signature()
    {
        ModelProto model = ModelCatalog.Build(ModelCatalog.YoloV8nId);

        Assert.Equal("images", model.Graph.Input.Single().Name);
        Assert.Equal([-1L, 84, 8400], OnnxGraphInspection.OutputShape(model, "output0"));
        Assert.Equal([1L, 84, 8400], GraphShapes.Infer(model, [1, 3, 640, 640])["output0"]);
        ModelDescriptor descriptor = ModelCatalog.Get(ModelCatalog.YoloV8nId);
        Assert.Equal((PostprocessKind.YoloV8, 0f, 1f), (descriptor.Postprocess, descriptor.Normalization.Mean[0], descriptor.Normalization.Std[0]));
    }

    /// <summary>
    /// The generated model on ONNX Runtime: the pipeline's fast head and the naive reference decode the same real
    /// output to the same detections, and the raw output has the head's structure (positive sizes up to the input,
    /// sigmoided scores).
    /// </summary>
    [Fact]
    public void Generated_yolov8n_detections_agree_with_the_naive_reference()
    {
        const int batch = 2;
        var store = new ModelStore(_models);
        using var pipeline = new VisionPipeline(new OrtBackend(store.Resolve(ModelCatalog.YoloV8nId, Precision.Fp32), batchSize: batch), 640, 480);
        var video = new SyntheticVideo();
        FrameBuffer[] frames = Enumerable.Range(0, batch).Select(i =>
        {
            byte[] pixels = new byte[video.FrameBytes];
            video.Render(i, pixels);
            return FrameBuffer.Packed(640, 480, PixelFormat.Rgb24, pixels);
        }).ToArray();

        pipeline.ProcessBatch(frames);
        float[] raw = pipeline.Backend.Outputs[0].AsFloat().ToArray();
        List<Detection> expected = UltralyticsPostprocessorReference.YoloV8([-1, 84, 8400], 640, 640).Process(raw, batch);

        Assert.NotEmpty(expected);
        Assert.Contains(expected, d => d.BatchIndex == 1);
        PostprocessingAssert.SameDetections(expected, pipeline.Detections);
        ReadOnlySpan<float> image = raw.AsSpan(0, 84 * 8400);
        Assert.All(image[(2 * 8400)..(4 * 8400)].ToArray(), v => Assert.InRange(v, 0f, 2f * 640));
        Assert.All(image[(4 * 8400)..].ToArray(), v => Assert.InRange(v, 0f, 1f));
    }
}

/// <summary>Shape inference over the operators EdgeBench's generators emit, enough to count convolution work.</summary>
internal static class GraphShapes
{
    /// <summary>Σ over Conv nodes of output elements x (input channels / groups) x kernel area.</summary>
    public static long ConvMacs(ModelProto model, long[] inputShape)
    {
        Dictionary<string, long[]> shapes = Infer(model, inputShape);
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        long macs = 0;
        foreach (NodeProto node in model.Graph.Node.Where(n => n.OpType == "Conv"))
        {
            long[] weight = [.. initializers[node.Input[1]].Dims];
            macs += shapes[node.Output[0]].Aggregate(1L, (a, b) => a * b) * weight[1] * weight[2] * weight[3];
        }

        return macs;
    }

    public static Dictionary<string, long[]> Infer(ModelProto model, long[] inputShape)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal) { [model.Graph.Input[0].Name] = inputShape };
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (TensorProto t in model.Graph.Initializer)
        {
            shapes[t.Name] = [.. t.Dims];
        }

        long[] Ints(NodeProto node, string name, long[] fallback) =>
            node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray() ?? fallback;

        foreach (NodeProto node in model.Graph.Node)
        {
            long[] x = shapes[node.Input[0]];
            switch (node.OpType)
            {
                case "Conv" or "MaxPool":
                {
                    long[] kernel = Ints(node, "kernel_shape", [1, 1]);
                    long[] strides = Ints(node, "strides", [1, 1]);
                    long[] pads = Ints(node, "pads", [0, 0, 0, 0]);
                    long channels = node.OpType == "Conv" ? initializers[node.Input[1]].Dims[0] : x[1];
                    shapes[node.Output[0]] =
                    [
                        x[0], channels,
                        ((x[2] + pads[0] + pads[2] - kernel[0]) / strides[0]) + 1,
                        ((x[3] + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1,
                    ];
                    break;
                }

                case "Resize":
                {
                    float[] scales = FloatValues(initializers[node.Input[2]]);
                    shapes[node.Output[0]] = x.Select((d, i) => (long)(d * scales[i])).ToArray();
                    break;
                }

                case "Concat":
                {
                    int axis = (int)node.Attribute.Single(a => a.Name == "axis").I;
                    long[] y = [.. x];
                    y[axis] = node.Input.Sum(i => shapes[i][axis]);
                    shapes[node.Output[0]] = y;
                    break;
                }

                case "Split":
                {
                    int axis = (int)node.Attribute.Single(a => a.Name == "axis").I;
                    long[] sizes = [.. initializers[node.Input[1]].Int64Data];
                    for (int i = 0; i < node.Output.Count; i++)
                    {
                        long[] y = [.. x];
                        y[axis] = sizes[i];
                        shapes[node.Output[i]] = y;
                    }

                    break;
                }

                case "Reshape":
                {
                    long[] target = [.. initializers[node.Input[1]].Int64Data];
                    long[] y = target.Select((d, i) => d == 0 ? x[i] : d).ToArray();
                    long known = y.Where(d => d > 0).Aggregate(1L, (a, b) => a * b);
                    shapes[node.Output[0]] = y.Select(d => d == -1 ? x.Aggregate(1L, (a, b) => a * b) / known : d).ToArray();
                    break;
                }

                case "Transpose":
                {
                    long[] perm = Ints(node, "perm", []);
                    shapes[node.Output[0]] = perm.Select(p => x[p]).ToArray();
                    break;
                }

                case "Add" or "Sub" or "Mul":
                    shapes[node.Output[0]] = Broadcast(x, shapes[node.Input[1]]);
                    break;
                case "Sigmoid" or "Softmax" or "Identity" or "Relu" or "LeakyRelu":
                    shapes[node.Output[0]] = x;
                    break;
                default:
                    throw new NotSupportedException($"No shape rule for {node.OpType} ({node.Name}).");
            }
        }

        return shapes;
    }

    private static long[] Broadcast(long[] a, long[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var y = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            long db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            y[i] = Math.Max(da, db);
        }

        return y;
    }

    private static float[] FloatValues(TensorProto tensor) =>
        tensor.FloatData.Count > 0 ? [.. tensor.FloatData] : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
}
