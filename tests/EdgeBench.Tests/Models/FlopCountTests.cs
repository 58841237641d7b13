using EdgeBench.Models.Fp16;
using EdgeBench.Models.Graph;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using Onnx;

namespace EdgeBench.Tests.Models;

public class FlopCountTests
{
    // The published figures (2 x MACs at the model's input size): torchvision's model cards give 4.09 / 1.81 / 0.30
    // G MACs for resnet50 / resnet18 / mobilenet_v2 at 224x224; Darknet prints 5.56 BFLOPs for yolov3-tiny at 416;
    // NVIDIA's SSD300 v1.1 is 40.3 GFLOPs (the developers' count, docs/cpu-physics.md); Ultralytics lists 8.7 GFLOPs
    // for YOLOv8n at 640.
    [Theory]
    [InlineData(ModelCatalog.Ssd300, 40.3)]
    [InlineData(ModelCatalog.ResNet50, 8.18)]
    [InlineData(ModelCatalog.TinyYoloV3, 5.56)]
    [InlineData(ModelCatalog.ResNet18, 3.63)]
    [InlineData(ModelCatalog.MobileNetV2Id, 0.60)]
    [InlineData(ModelCatalog.YoloV8nId, 8.7)]
    public void Catalog_models_match_the_published_totals_within_one_percent(string id, double publishedGflops)
    {
        FlopCount count = FlopCounter.CountCatalogModel(id);

        Assert.InRange(count.GigaflopsPerFrame, publishedGflops * 0.99, publishedGflops * 1.01);
    }

    [Fact]
    public void The_pretrained_resnet18_counts_its_own_graph()
    {
        // The CNTK export has three basic blocks in its last stage where torchvision's resnet18 has two: 3.63 G plus
        // two 3x3 512->512 convolutions at 7x7, 2 x 2 x 512 x 512 x 9 x 49 = 0.462 G.
        FlopCount count = FlopCounter.CountCatalogModel(ModelCatalog.ResNet18Pretrained);

        Assert.Equal(4.09, count.GigaflopsPerFrame, 0.01);
        Assert.Equal(["Conv"], count.FlopsPerFrameByOpType.Keys);
    }

    [Theory]
    [InlineData(ModelCatalog.TinyYoloV3)]
    [InlineData(ModelCatalog.YoloV8nId)]
    [InlineData(ModelCatalog.MobileNetV2Id)]
    public void An_fp16_conversion_does_the_same_arithmetic(string id)
    {
        ModelProto fp32 = ModelCatalog.Build(id);

        Assert.Equal(FlopCounter.Count(fp32).FlopsPerFrame, FlopCounter.Count(Fp16Converter.Convert(fp32)).FlopsPerFrame);
    }

    [Fact]
    public void A_tiny_graph_matches_its_hand_count()
    {
        var g = new OnnxGraphBuilder("tiny", 1);
        string x = g.Input("input", -1, 3, 8, 8);
        // 3x3 conv 3->4, pad 1: 8x8x4 outputs x (3 x 9) MACs = 6912 MACs.
        x = g.Relu(g.Conv("c1", x, 3, 4, 3, WeightInit.Relu));
        // 2x2/2 max pool: 4x4x4, not counted.
        x = g.MaxPool("p1", x, 2, 2);
        // 1x1 conv 4->6 in 2 groups: 4x4x6 outputs x (2 x 1) MACs = 192 MACs.
        x = g.Conv("c2", x, 4, 6, 1, WeightInit.Relu, groups: 2);
        // 3x3/2 conv 6->2, no padding, on 4x4: 1x1x2 outputs x (6 x 9) MACs = 108 MACs.
        string strided = g.Conv("c3", x, 6, 2, 3, WeightInit.Linear, stride: 2, padding: 0);
        // Gemm on the flattened 4x4x6 = 96 features to 10: 960 MACs.
        string logits = g.Gemm("fc", g.Flatten("flat", x), 96, 10, WeightInit.Linear);
        g.Output(logits, "logits", -1, 10);
        g.Output(strided, "side", -1, 2, 1, 1);

        FlopCount count = FlopCounter.Count(g.Build("test", "tiny"));

        Assert.Equal(2 * (6912 + 192 + 108 + 960), count.FlopsPerFrame);
        Assert.Equal(2 * (6912 + 192 + 108), count.FlopsPerFrameByOpType["Conv"]);
        Assert.Equal(2 * 960, count.FlopsPerFrameByOpType["Gemm"]);
    }

    [Fact]
    public void Shapes_flow_through_reshape_concat_split_resize_and_transpose()
    {
        var g = new OnnxGraphBuilder("shapes", 1);
        string x = g.Input("input", -1, 4, 6, 6);
        string up = g.UpsampleNearest("up", x, 2);                        // [1,4,12,12]
        string[] halves = g.Split("split", up, 1, 1, 3);                  // [1,1,12,12], [1,3,12,12]
        string joined = g.Concat("cat", 1, halves[1], halves[0], halves[1]); // [1,7,12,12]
        string viewed = g.Reshape("view", joined, 0, 7, -1);              // [1,7,144]
        string back = g.Reshape("back", g.Transpose("t", viewed, 0, 1, 2), 0, 7, 12, 12);
        // 3x3 conv 7->5, pad 1 on 12x12: 144 x 5 outputs x 63 MACs.
        string y = g.Conv("c", back, 7, 5, 3, WeightInit.Linear);
        g.Output(y, "y", -1, 5, 12, 12);

        Assert.Equal(2L * 144 * 5 * 63, FlopCounter.Count(g.Build("test", "shapes")).FlopsPerFrame);
    }

    [Fact]
    public void A_fixed_batch_is_divided_out()
    {
        ModelProto model = Handmade(
            [Input("a", 4, 3, 5, 7)],
            [Float("b", 7, 2)],
            [OnnxGraphBuilder.Node("MatMul", "mm", ["a", "b"], ["y"])],
            "y");

        // Batched MatMul [4,3,5,7] x [7,2]: 4 x 3 x 5 x 2 outputs x 7 MACs, over a batch of 4.
        Assert.Equal(2L * 3 * 5 * 2 * 7, FlopCounter.Count(model).FlopsPerFrame);
    }

    [Fact]
    public void ConvTranspose_counts_every_input_element_through_its_kernel()
    {
        NodeProto deconv = OnnxGraphBuilder.Node("ConvTranspose", "up", ["x", "w"], ["y"]);
        deconv.Attribute.Add(OnnxGraphBuilder.Ints("strides", 2, 2));
        NodeProto conv = OnnxGraphBuilder.Node("Conv", "after", ["y", "w2"], ["z"]);
        ModelProto model = Handmade([Input("x", 1, 8, 5, 5)], [Float("w", 8, 3, 2, 2), Float("w2", 1, 3, 1, 1)], [deconv, conv], "z");

        FlopCount count = FlopCounter.Count(model);

        // 25 x 8 inputs x (3 x 2 x 2) MACs; the output is 10x10x3, which the 1x1 conv after it reads: 100 x 3 MACs.
        Assert.Equal(2L * 25 * 8 * 12, count.FlopsPerFrameByOpType["ConvTranspose"]);
        Assert.Equal(2L * 100 * 3, count.FlopsPerFrameByOpType["Conv"]);
    }

    [Fact]
    public void An_unknown_op_is_refused_by_name_unless_the_graph_declares_its_shape()
    {
        NodeProto custom = OnnxGraphBuilder.Node("MyWarp", "warp", ["x"], ["warped"]);
        NodeProto conv = OnnxGraphBuilder.Node("Conv", "c", ["warped", "w"], ["y"]);
        ModelProto model = Handmade([Input("x", 1, 2, 4, 4)], [Float("w", 3, 2, 1, 1)], [custom, conv], "y");

        NotSupportedException refused = Assert.Throws<NotSupportedException>(() => FlopCounter.Count(model));
        Assert.Contains("'warp'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("MyWarp", refused.Message, StringComparison.Ordinal);

        model.Graph.ValueInfo.Add(OnnxGraphBuilder.ValueInfo("warped", TensorProto.Types.DataType.Float, [1, 2, 8, 8]));
        Assert.Equal(2L * 64 * 3 * 2, FlopCounter.Count(model).FlopsPerFrame);
    }

    [Fact]
    public void A_missing_file_names_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgebench-no-model-{Guid.NewGuid():N}.onnx");

        ModelFileException error = Assert.Throws<ModelFileException>(() => FlopCounter.CountFile(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private static ValueInfoProto Input(string name, params long[] shape) =>
        OnnxGraphBuilder.ValueInfo(name, TensorProto.Types.DataType.Float, shape);

    private static TensorProto Float(string name, params long[] dims) =>
        OnnxGraphBuilder.FloatTensor(name, dims, new float[dims.Aggregate(1L, (a, b) => a * b)]);

    private static ModelProto Handmade(ValueInfoProto[] inputs, TensorProto[] initializers, NodeProto[] nodes, string output)
    {
        var graph = new GraphProto { Name = "handmade" };
        graph.Input.Add(inputs);
        graph.Initializer.Add(initializers);
        graph.Node.Add(nodes);
        graph.Output.Add(new ValueInfoProto { Name = output });
        return new ModelProto { Graph = graph, IrVersion = OnnxGraphBuilder.IrVersion };
    }
}
