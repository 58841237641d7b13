using EdgeBench.Models.Architectures;
using EdgeBench.Models.Zoo;
using Google.Protobuf;
using Onnx;

namespace EdgeBench.Tests.Models;

public class ModelGeneratorTests
{
    // torchvision's Conv2d + Linear weight element counts (computed there with
    // sum(m.weight.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))).
    [Theory]
    [InlineData(ModelCatalog.ResNet18, 11_678_912L)]
    [InlineData(ModelCatalog.ResNet50, 25_502_912L)]
    [InlineData(ModelCatalog.MobileNetV2Id, 3_469_760L)]
    public void Conv_and_linear_weight_counts_match_torchvision(string id, long expected)
    {
        ModelProto model = ModelCatalog.Build(id);

        Assert.Equal(expected, OnnxGraphInspection.ConvAndGemmWeightElements(model));
    }

    [Fact]
    public void Ssd300_has_8732_default_boxes_over_six_maps()
    {
        ModelProto model = ModelCatalog.Build(ModelCatalog.Ssd300);

        Assert.Equal(8732, Ssd300.TotalBoxes);
        Assert.Equal([-1L, 4, 8732], OnnxGraphInspection.OutputShape(model, "locs"));
        Assert.Equal([-1L, 81, 8732], OnnxGraphInspection.OutputShape(model, "scores"));
        // One loc and one conf head per feature map, with 4/6/6/6/4/4 boxes per cell.
        var heads = model.Graph.Node.Where(n => n.OpType == "Conv" && n.Name.StartsWith("loc.", StringComparison.Ordinal)).ToArray();
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        Assert.Equal([16L, 24, 24, 24, 16, 16], heads.Select(h => initializers[h.Input[1]].Dims[0]).ToArray());
    }

    [Fact]
    public void Ssd300_backbone_runs_conv4_at_stride_one()
    {
        ModelProto model = ModelCatalog.Build(ModelCatalog.Ssd300);
        NodeProto conv4First = model.Graph.Node.Single(n => n.Name == "layer3.0.conv2");
        NodeProto shortcut = model.Graph.Node.Single(n => n.Name == "layer3.0.downsample");

        Assert.Equal([1L, 1], conv4First.Attribute.Single(a => a.Name == "strides").Ints);
        Assert.Equal([1L, 1], shortcut.Attribute.Single(a => a.Name == "strides").Ints);
        // ResNet-50 stops after conv4_x: no layer4 in the trunk.
        Assert.DoesNotContain(model.Graph.Node, n => n.Name.StartsWith("layer4", StringComparison.Ordinal));
    }

    [Fact]
    public void TinyYolo_has_two_heads_of_255_channels()
    {
        ModelProto model = ModelCatalog.Build(ModelCatalog.TinyYoloV3);

        Assert.Equal([-1L, 255, 13, 13], OnnxGraphInspection.OutputShape(model, "head_13x13"));
        Assert.Equal([-1L, 255, 26, 26], OnnxGraphInspection.OutputShape(model, "head_26x26"));
        Assert.Equal(13, model.Graph.Node.Count(n => n.OpType == "Conv"));
    }

    [Theory]
    [InlineData(ModelCatalog.ResNet18)]
    [InlineData(ModelCatalog.TinyYoloV3)]
    public void Same_seed_gives_the_same_bytes_and_another_seed_does_not(string id)
    {
        byte[] first = ModelCatalog.Build(id, seed: 7).ToByteArray();
        byte[] second = ModelCatalog.Build(id, seed: 7).ToByteArray();
        byte[] other = ModelCatalog.Build(id, seed: 8).ToByteArray();

        Assert.Equal(first, second);
        Assert.Equal(first.Length, other.Length);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Generated_models_declare_opset_17_and_a_symbolic_batch()
    {
        foreach (string id in ModelCatalog.Ids.Where(i => i != ModelCatalog.ResNet18Pretrained))
        {
            ModelProto model = ModelCatalog.Build(id);
            Assert.Contains(model.OpsetImport, o => o.Domain.Length == 0 && o.Version >= 17);
            Assert.Equal("N", model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
            Assert.Equal(ModelCatalog.Get(id).Input.Name, model.Graph.Input[0].Name);
        }
    }

    [Fact]
    public void Pretrained_resnet18_is_joined_with_its_preprocess_and_batch_is_symbolic()
    {
        ModelProto model = ModelCatalog.Build(ModelCatalog.ResNet18Pretrained);

        Assert.Equal("input", model.Graph.Input.Single().Name);
        Assert.Equal("features", model.Graph.Output.Single().Name);
        Assert.Equal("N", model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Contains(model.Graph.Node, n => n.OpType == "Sub");
        // The join keeps every trained weight of the packaged network (CNTK's ResNet-18 variant: 22 convolutions).
        ModelProto original = ModelProto.Parser.ParseFrom(File.ReadAllBytes(PretrainedResNet18.NetworkPath));
        Assert.Equal(22, model.Graph.Node.Count(n => n.OpType == "Conv"));
        Assert.Equal(OnnxGraphInspection.ConvAndGemmWeightElements(original), OnnxGraphInspection.ConvAndGemmWeightElements(model));
    }
}
