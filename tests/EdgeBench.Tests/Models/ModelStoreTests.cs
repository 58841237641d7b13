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
    public void Bad_sidecar_names_the_file_and_the_problem(string json, string expected)
    {
        File.Copy(_store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32).Path, UserFile("mine.onnx"));
        File.WriteAllText(UserFile("mine.json"), json);

        ModelFileException error = Assert.Throws<ModelFileException>(() => _store.Describe("mine"));

        Assert.StartsWith(UserFile("mine.json") + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_id_lists_the_known_ones()
    {
        KeyNotFoundException error = Assert.Throws<KeyNotFoundException>(() => _store.Resolve("ssd512", Precision.Fp32));

        Assert.Contains("ssd300", error.Message, StringComparison.Ordinal);
    }
}
