using EdgeBench.Core;
using EdgeBench.Core.Models;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Tests.Models;

public sealed class ModelStoreTests : IDisposable
{
    private readonly string _models = Directory.CreateTempSubdirectory("edgebench-models-").FullName;
    private readonly ModelStore _store;

    public ModelStoreTests()
    {
        _store = new ModelStore(_models);
    }

    public void Dispose() => Directory.Delete(_models, recursive: true);

    private string UserFile(string name) => Path.Combine(_models, name);

    [Fact]
    public void Generated_model_is_cached_and_rebuilt_when_truncated()
    {
        ResolvedModel first = _store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32);
        byte[] bytes = File.ReadAllBytes(first.Path);
        Assert.Equal(ModelSource.Generated, first.Source);
        DateTime written = File.GetLastWriteTimeUtc(first.Path);

        // A second resolve reuses the file.
        Assert.Equal(written, File.GetLastWriteTimeUtc(_store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32).Path));

        // A truncated cache file no longer matches its stamp and is rebuilt, byte for byte.
        File.WriteAllBytes(first.Path, bytes[..(bytes.Length / 2)]);
        ResolvedModel rebuilt = _store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32);
        Assert.Equal(bytes, File.ReadAllBytes(rebuilt.Path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(rebuilt.Path)!, "*.tmp"));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("empty")]
    [InlineData("truncated")]
    public void Broken_user_model_names_the_file_and_does_not_stop_the_others(string damage)
    {
        string broken = UserFile("resnet18.onnx");
        byte[] content = damage switch
        {
            "garbage" => "this is not an onnx file at all, just text"u8.ToArray(),
            "empty" => [],
            _ => File.ReadAllBytes(_store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32).Path)[..100_000],
        };
        File.WriteAllBytes(broken, content);

        ModelFileException error = Assert.Throws<ModelFileException>(() => _store.Resolve(ModelCatalog.ResNet18, Precision.Fp32));
        Assert.Contains(broken, error.Message, StringComparison.Ordinal);
        Assert.Equal(broken, error.FilePath);

        IReadOnlyList<ModelListing> listing = _store.List();
        Assert.All(listing.Where(r => r.Id == ModelCatalog.ResNet18), r => Assert.Contains(broken, r.Error, StringComparison.Ordinal));
        Assert.All(listing.Where(r => r.Id != ModelCatalog.ResNet18), r => Assert.Null(r.Error));

        string output = Path.Combine(_models, "out");
        var exported = _store.Export(output, [ModelCatalog.ResNet18, ModelCatalog.MobileNetV2Id]);
        Assert.All(exported.Where(e => e.Id == ModelCatalog.ResNet18), e => Assert.Contains(broken, e.Error, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(output, "mobilenetv2-fp32.onnx")));
        Assert.True(File.Exists(Path.Combine(output, "mobilenetv2-fp16.onnx")));
        Assert.False(File.Exists(Path.Combine(output, "resnet18-fp32.onnx")));
    }

    [Fact]
    public void User_model_takes_precedence_and_gets_an_fp16_variant()
    {
        string generated = _store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32).Path;
        string user = UserFile("mobilenetv2.onnx");
        File.Copy(generated, user);

        ResolvedModel fp32 = _store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32);
        ResolvedModel fp16 = _store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp16);

        Assert.Equal((user, ModelSource.User), (fp32.Path, fp32.Source));
        Assert.Equal(ModelSource.User, fp16.Source);
        Assert.NotEqual(user, fp16.Path);
        Assert.True(fp16.SizeBytes < fp32.SizeBytes * 6 / 10);
    }

    [Fact]
    public void User_model_with_other_tensor_names_asks_for_a_sidecar()
    {
        // A classifier file under a detector's id: its input matches but its outputs do not.
        File.Copy(_store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32).Path, UserFile("ssd300.onnx"));

        ModelFileException error = Assert.Throws<ModelFileException>(() => _store.Resolve(ModelCatalog.Ssd300, Precision.Fp32));

        Assert.Contains("expected [locs, scores]", error.Message, StringComparison.Ordinal);
        Assert.Contains(UserFile("ssd300.json"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sidecar_adds_a_model_the_catalog_does_not_know()
    {
        File.Copy(_store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32).Path, UserFile("my-classifier.onnx"));
        File.WriteAllText(UserFile("my-classifier.json"), """
            {
              "family": "classifier",
              "input": { "name": "input", "shape": [-1, 3, 224, 224] },
              "normalization": { "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225] },
              "outputs": [ { "name": "logits", "shape": [-1, 1000] } ],
              "postprocess": "classification",
              "description": "our own classifier"
            }
            """);

        Assert.Contains("my-classifier", _store.ModelIds());
        ModelDescriptor descriptor = _store.Describe("my-classifier");
        Assert.Equal((ModelFamily.Classifier, PostprocessKind.Classification, "our own classifier"),
            (descriptor.Family, descriptor.Postprocess, descriptor.Description));
        Assert.Equal(ModelSource.User, _store.Resolve("my-classifier", Precision.Fp16).Source);
    }

    [Theory]
    [InlineData("""{ "family": "robot" }""", "family 'robot'")]
    [InlineData("""{ "family": "classifier", "postprocess": "classification" }""", "'input' is required")]
    [InlineData("""{ "unknown_field": 1 }""", "invalid model description")]
    [InlineData("""{ not json""", "invalid model description")]
    [InlineData("""{ "family": "classifier", "postprocess": "classification", "input": { "name": "input", "shape": [1, 3, 8, 8], "layout": "chw" } }""", "input.layout 'chw' is not one of nchw, nhwc")]
    [InlineData("""{ "family": "classifier", "postprocess": "classification", "input": { "name": "input", "shape": [1, 8, 8, 3] } }""", "input.shape [1,8,8,3] is not [N,3,H,W] (input.layout nchw); an [N,H,W,3] input needs \"layout\": \"nhwc\"")]
    [InlineData("""{ "family": "classifier", "postprocess": "classification", "input": { "name": "input", "shape": [1, 3, 8, 8], "layout": "nhwc" } }""", "input.shape [1,3,8,8] is not [N,H,W,3] (input.layout nhwc)")]
    [InlineData("""{ "family": "classifier", "postprocess": "classification", "input": { "name": "input", "shape": [1, 3, 8, 8] }, "channel_order": "grb" }""", "channel_order 'grb' is not one of rgb, bgr")]
    [InlineData("""{ "family": "classifier", "postprocess": "classification", "input": { "name": "input", "shape": [1, 3, 8, 8] }, "resize": "crop" }""", "resize 'crop' is not one of stretch, letterbox")]
    [InlineData("""{ "family": "classifier", "postprocess": "classification", "input": { "name": "input", "shape": [1, 3, 8, 8] }, "resize": "letterbox", "pad_value": 300 }""", "pad_value 300 is not a pixel value 0..255")]
    [InlineData("""{ "family": "classifier", "outputs": [ { "name": "o", "shape": [1, 2], "layout": "nchw" } ] }""", "invalid model description")]
    public void Bad_sidecar_names_the_file_and_the_problem(string json, string expected)
    {
        File.Copy(_store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32).Path, UserFile("mine.onnx"));
        File.WriteAllText(UserFile("mine.json"), json);

        ModelFileException error = Assert.Throws<ModelFileException>(() => _store.Describe("mine"));

        Assert.StartsWith(UserFile("mine.json") + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sidecar_describes_an_nhwc_bgr_letterbox_input()
    {
        File.WriteAllText(UserFile("nhwc.json"), """
            {
              "family": "feature-extractor",
              "input": { "name": "images", "shape": [1, 240, 320, 3], "layout": "nhwc" },
              "normalization": { "mean": [0, 0, 0], "std": [1, 1, 1] },
              "outputs": [ { "name": "features", "shape": [1, 8] } ],
              "channel_order": "bgr",
              "resize": "letterbox",
              "pad_value": 0
            }
            """);

        ModelDescriptor descriptor = _store.Describe("nhwc");

        Assert.Equal((TensorLayout.Nhwc, 320, 240, 3), (descriptor.Layout, descriptor.InputWidth, descriptor.InputHeight, descriptor.InputChannels));
        Assert.Equal(new InputPreprocessing(ChannelOrder.Bgr, ResizeMode.Letterbox, 0), descriptor.Preprocessing);
    }

    [Fact]
    public void Sidecar_defaults_are_nchw_rgb_stretch_and_pad_114()
    {
        File.WriteAllText(UserFile("plain.json"), """
            { "family": "feature-extractor", "input": { "name": "x", "shape": [-1, 3, 64, 48] },
              "normalization": { "mean": [0, 0, 0], "std": [1, 1, 1] }, "outputs": [ { "name": "y", "shape": [-1, 8] } ] }
            """);

        ModelDescriptor descriptor = _store.Describe("plain");

        Assert.Equal((TensorLayout.Nchw, 48, 64), (descriptor.Layout, descriptor.InputWidth, descriptor.InputHeight));
        Assert.Equal(new InputPreprocessing(ChannelOrder.Rgb, ResizeMode.Stretch, 114), descriptor.Preprocessing);
    }

    [Fact]
    public void User_model_whose_input_contradicts_its_sidecar_layout_names_both_shapes()
    {
        // MobileNetV2's input is [N,3,224,224]; a sidecar calling it NHWC [1,224,224,3] is caught when the file is read.
        File.Copy(_store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32).Path, UserFile("wrong.onnx"));
        File.WriteAllText(UserFile("wrong.json"), """
            { "family": "classifier", "postprocess": "classification", "input": { "name": "input", "shape": [1, 224, 224, 3], "layout": "nhwc" },
              "normalization": { "mean": [0, 0, 0], "std": [1, 1, 1] }, "outputs": [ { "name": "logits", "shape": [1, 1000] } ] }
            """);

        ModelFileException error = Assert.Throws<ModelFileException>(() => _store.Resolve("wrong", Precision.Fp32));

        Assert.Contains("input 'input' is [N,3,224,224] in the file, but the model's description says [1,224,224,3] (NHWC)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_id_lists_the_known_ones()
    {
        KeyNotFoundException error = Assert.Throws<KeyNotFoundException>(() => _store.Resolve("ssd512", Precision.Fp32));

        Assert.Contains("ssd300", error.Message, StringComparison.Ordinal);
    }
}
