using EdgeBench.Core.Models;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using EdgeBench.Postprocessing;

namespace EdgeBench.Tests.Models;

/// <summary>Sidecar fields of the detector heads: postprocess yolov8/yolov5, thresholds, class names.</summary>
public sealed class ModelSidecarHeadsTests : IDisposable
{
    private const string Yolov8Body = """
        "family": "detector",
        "input": { "name": "images", "shape": [1, 3, 640, 640] },
        "normalization": { "mean": [0, 0, 0], "std": [1, 1, 1] },
        "outputs": [ { "name": "output0", "shape": [1, 84, 8400] } ],
        "postprocess": "yolov8"
        """;

    private readonly string _models = Directory.CreateTempSubdirectory("edgebench-sidecar-").FullName;

    public void Dispose() => Directory.Delete(_models, recursive: true);

    private string Sidecar(string id, string json)
    {
        string path = Path.Combine(_models, id + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Yolov8_sidecar_of_the_issue_contract_carries_its_thresholds()
    {
        Sidecar("yolov8n-user", "{" + Yolov8Body + """, "score_threshold": 0.25, "iou_threshold": 0.45 }""");

        ModelDescriptor descriptor = new ModelStore(_models).Describe("yolov8n-user");
        DecodeOptions options = DecodeOptions.For(descriptor);

        Assert.Equal(PostprocessKind.YoloV8, descriptor.Postprocess);
        Assert.Equal(new DetectionThresholds(0.25f, 0.45f), descriptor.Thresholds);
        Assert.Empty(descriptor.ClassNames);
        Assert.Equal((0.25f, 0.45f, 300, false, (int?)null),
            (options.UltralyticsScoreThreshold, options.UltralyticsIouThreshold, options.UltralyticsMaxDetections, options.UltralyticsClassAgnostic, options.UltralyticsClassCount));
    }

    [Theory]
    [InlineData("", false, true)]
    [InlineData(""", "scores": "sigmoid", "background": false""", true, false)]
    public void Ssd_anchors_bring_their_boxes_classes_variances_and_score_form(string extra, bool sigmoid, bool background)
    {
        Sidecar("mini-ssd", """
            {"family":"detector","input":{"name":"images","shape":[1,3,128,128]},"normalization":{"mean":[0,0,0],"std":[1,1,1]},
             "outputs":[{"name":"locs","shape":[1,4,320]},{"name":"scores","shape":[1,21,320]}],"postprocess":"ssd",
             "ssd_anchors":{"figure_size":128,"feature_maps":[8,4],"steps":[16,32],"scales":[20,50,90],"aspect_ratios":[[2],[2]],"variances":[0.1,0.25]
            """ + extra + "}}");

        ModelDescriptor descriptor = new ModelStore(_models).Describe("mini-ssd");
        DecodeOptions options = DecodeOptions.For(descriptor);

        Assert.Equal(320, descriptor.SsdAnchors!.BoxCount);
        Assert.Equal(320, SsdDefaultBoxes.For(descriptor.SsdAnchors).Count);
        Assert.Equal((21, 0.1f, 0.25f, sigmoid, background),
            (options.SsdClassCount, options.SsdScaleXy, options.SsdScaleWh, options.SsdSigmoidScores, options.SsdBackgroundClass));
        Assert.Same(SsdDefaultBoxes.Coco300, SsdDefaultBoxes.For(null));
    }

    [Fact]
    public void A_torchvision_ssd_head_is_anchors_last_and_cell_major()
    {
        // ssdlite320's generator (no steps) and head ([N, A, 4], [N, A, 91]).
        Sidecar("ssdlite", """
            {"family":"detector","input":{"name":"images","shape":[1,3,320,320]},"normalization":{"mean":[0.5,0.5,0.5],"std":[0.5,0.5,0.5]},
             "outputs":[{"name":"bbox_regression","shape":[1,3234,4]},{"name":"cls_logits","shape":[1,3234,91]}],"postprocess":"ssd",
             "ssd_anchors":{"figure_size":320,"feature_maps":[20,10,5,3,2,1],"scales":[64,112,160,208,256,304,320],
               "aspect_ratios":[[2,3],[2,3],[2,3],[2,3],[2,3],[2,3]],"order":"cell_major","layout":"anchors_last"}}
            """);

        ModelDescriptor descriptor = new ModelStore(_models).Describe("ssdlite");
        DecodeOptions options = DecodeOptions.For(descriptor);

        Assert.Equal((3234, true, true), (descriptor.SsdAnchors!.BoxCount, descriptor.SsdAnchors.CellMajor, descriptor.SsdAnchors.AnchorsLast));
        Assert.Equal((91, true), (options.SsdClassCount, options.SsdAnchorsLast));
        Assert.Equal(3234, SsdDefaultBoxes.For(descriptor.SsdAnchors).Count);
    }

    [Theory]
    [InlineData("\"feature_maps\":[8,4]", "\"feature_maps\":[8,4,2]", "for each of the 3 feature_maps")]
    [InlineData("\"variances\":[0.1,0.25]", "\"variances\":[0.1]", "two positive values")]
    [InlineData("\"variances\":[0.1,0.25]", "\"variances\":[0.1,0.25],\"scores\":\"tanh\"", "'tanh' is not one of softmax, sigmoid")]
    [InlineData("\"postprocess\":\"ssd\"", "\"postprocess\":\"classification\"", "ssd_anchors applies to postprocess 'ssd' only")]
    public void Bad_ssd_anchors_name_the_file_and_the_field(string from, string to, string message)
    {
        string path = Sidecar("bad-ssd", """
            {"family":"detector","input":{"name":"images","shape":[1,3,128,128]},"normalization":{"mean":[0,0,0],"std":[1,1,1]},
             "outputs":[{"name":"locs","shape":[1,4,320]},{"name":"scores","shape":[1,21,320]}],"postprocess":"ssd",
             "ssd_anchors":{"figure_size":128,"feature_maps":[8,4],"steps":[16,32],"scales":[20,50,90],"aspect_ratios":[[2],[2]],"variances":[0.1,0.25]}}
            """.Replace(from, to, StringComparison.Ordinal));

        ModelFileException e = Assert.Throws<ModelFileException>(() => new ModelStore(_models).Describe("bad-ssd"));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_threshold_and_the_class_names_reach_the_decode_options()
    {
        Sidecar("mine", """
            {
              "family": "detector",
              "input": { "name": "images", "shape": [-1, 3, 320, 320] },
              "normalization": { "mean": [0, 0, 0], "std": [1, 1, 1] },
              "outputs": [ { "name": "output0", "shape": [-1, 6300, 8] } ],
              "postprocess": "yolov5",
              "score_threshold": 0.4, "iou_threshold": 0.6, "max_detections": 50, "class_agnostic": true,
              "class_names": ["person", "forklift", "pallet"]
            }
            """);

        ModelDescriptor descriptor = new ModelStore(_models).Describe("mine");
        DecodeOptions options = DecodeOptions.For(descriptor);

        Assert.Equal(PostprocessKind.YoloV5, descriptor.Postprocess);
        Assert.Equal(["person", "forklift", "pallet"], descriptor.ClassNames);
        Assert.Equal((0.4f, 0.6f, 50, true, (int?)3),
            (options.UltralyticsScoreThreshold, options.UltralyticsIouThreshold, options.UltralyticsMaxDetections, options.UltralyticsClassAgnostic, options.UltralyticsClassCount));
        Assert.Equal(3, new YoloV5Postprocessor(descriptor.Outputs[0].Shape, 320, 320, options).ClassCount);
    }

    [Fact]
    public void Catalog_models_keep_their_reference_thresholds_and_a_sidecar_may_override_them()
    {
        foreach (ModelDescriptor model in ModelCatalog.All)
        {
            Assert.Same(DecodeOptions.Default, DecodeOptions.For(model));
        }

        Sidecar(ModelCatalog.Ssd300, """{ "score_threshold": 0.3, "max_detections": 100 }""");
        DecodeOptions ssd = DecodeOptions.For(new ModelStore(_models).Describe(ModelCatalog.Ssd300));
        Assert.Equal((0.3f, 0.5f, 100), (ssd.SsdScoreThreshold, ssd.SsdIouThreshold, ssd.SsdMaxDetections));
    }

    [Theory]
    [InlineData(""", "score_threshold": 0 """, "score_threshold 0 is not in (0, 1)")]
    [InlineData(""", "score_threshold": 1.5 """, "score_threshold 1.5 is not in (0, 1)")]
    [InlineData(""", "iou_threshold": -0.1 """, "iou_threshold -0.1 is not in (0, 1]")]
    [InlineData(""", "max_detections": 0 """, "max_detections 0 is not a positive number")]
    [InlineData(""", "class_agnostic": "yes" """, "invalid model description")]
    [InlineData(""", "class_names": [] """, "class_names must be a non-empty array")]
    [InlineData(""", "class_names": ["a", ""] """, "class_names must be a non-empty array")]
    [InlineData(""", "class_names": ["a", "b"] """, "is not [N,4+C,A] or [N,A,4+C] with C = 2 (class_names)")]
    public void Bad_head_fields_name_the_file_and_the_problem(string extra, string expected)
    {
        string path = Sidecar("mine", "{" + Yolov8Body + extra + "}");

        ModelFileException error = Assert.Throws<ModelFileException>(() => new ModelStore(_models).Describe("mine"));

        Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Heads_refuse_outputs_they_cannot_read_and_thresholds_where_there_is_no_detector()
    {
        string twoOutputs = Sidecar("two", "{" + Yolov8Body.Replace(
            """[ { "name": "output0", "shape": [1, 84, 8400] } ]""",
            """[ { "name": "a", "shape": [1, 84, 8400] }, { "name": "b", "shape": [1, 4] } ]""", StringComparison.Ordinal) + "}");
        string agnosticSsd = Sidecar(ModelCatalog.Ssd300, """{ "class_agnostic": true }""");
        string classifier = Sidecar(ModelCatalog.ResNet18, """{ "score_threshold": 0.5 }""");
        var store = new ModelStore(_models);

        Assert.Contains("postprocess 'yolov8' reads one output", Assert.Throws<ModelFileException>(() => store.Describe("two")).Message, StringComparison.Ordinal);
        Assert.Contains("class_agnostic is supported by the yolov8 and yolov5 heads only", Assert.Throws<ModelFileException>(() => store.Describe(ModelCatalog.Ssd300)).Message, StringComparison.Ordinal);
        Assert.Contains("apply to detector heads only", Assert.Throws<ModelFileException>(() => store.Describe(ModelCatalog.ResNet18)).Message, StringComparison.Ordinal);
        Assert.Contains(twoOutputs, Assert.Throws<ModelFileException>(() => store.Describe("two")).Message, StringComparison.Ordinal);
        Assert.Contains(agnosticSsd, Assert.Throws<ModelFileException>(() => store.Describe(ModelCatalog.Ssd300)).Message, StringComparison.Ordinal);
        Assert.Contains(classifier, Assert.Throws<ModelFileException>(() => store.Describe(ModelCatalog.ResNet18)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_postprocess_lists_the_new_heads()
    {
        Sidecar("mine", "{" + Yolov8Body.Replace("\"yolov8\"", "\"yolov9\"", StringComparison.Ordinal) + "}");

        ModelFileException error = Assert.Throws<ModelFileException>(() => new ModelStore(_models).Describe("mine"));

        Assert.Contains("ssd, yolov3-tiny, yolov8, yolov5, classification, none", error.Message, StringComparison.Ordinal);
    }
}
