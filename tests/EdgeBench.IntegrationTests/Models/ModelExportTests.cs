using EdgeBench.Benchmarks.Verbs;
using EdgeBench.Core.Models;
using EdgeBench.Models.Graph;
using EdgeBench.Models.Zoo;
using EdgeBench.Tests.Models;

namespace EdgeBench.IntegrationTests.Models;

/// <summary>Generates every model once for the class: `models export` into a temporary folder.</summary>
public sealed class ExportedModels : IDisposable
{
    public ExportedModels()
    {
        Root = Directory.CreateTempSubdirectory("edgebench-export-").FullName;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.True(VerbDispatcher.TryRun(["models", "export", "--out", OutDirectory, "--models", ModelsDirectory], output, error, out int exitCode));
        ExitCode = exitCode;
        Output = output.ToString();
        Error = error.ToString();
    }

    public string Root { get; }

    public string OutDirectory => Path.Combine(Root, "out");

    public string ModelsDirectory => Path.Combine(Root, "models");

    public int ExitCode { get; }

    public string Output { get; }

    public string Error { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public sealed class ModelExportTests(ExportedModels exported) : IClassFixture<ExportedModels>
{
    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (string id in ModelCatalog.Ids)
        {
            data.Add(id, "fp32");
            data.Add(id, "fp16");
        }

        return data;
    }

    [Fact]
    public void Export_writes_two_files_per_catalog_model()
    {
        Assert.True(exported.ExitCode == 0, exported.Error);
        string[] files = Directory.GetFiles(exported.OutDirectory).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(14, files.Length);
        Assert.Equal(ModelCatalog.Ids.SelectMany(id => new[] { $"{id}-fp16.onnx", $"{id}-fp32.onnx" }).Order(), files);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Exported_model_runs_on_the_cpu_ep_with_the_stated_shapes(string id, string precision)
    {
        ModelDescriptor descriptor = ModelCatalog.Get(id);
        using var runner = new OrtRunner(Path.Combine(exported.OutDirectory, $"{id}-{precision}.onnx"));
        Assert.Equal(descriptor.Input.Name, runner.InputName);

        // Batch 2 exercises the symbolic batch dimension; two different images per run.
        const int batch = 2;
        long[] shape = descriptor.Input.WithBatch(batch);
        float[] input = TestImages.NormalizedBatch(descriptor, batch, seed: 1);
        var outputs = runner.Run(input, shape);

        Assert.Equal(descriptor.Outputs.Select(o => o.Name), outputs.Select(o => o.Name));
        for (int i = 0; i < outputs.Count; i++)
        {
            Assert.Equal(descriptor.Outputs[i].WithBatch(batch), outputs[i].Shape);
            Assert.All(outputs[i].Values, v => Assert.True(float.IsFinite(v), $"{outputs[i].Name} has a non-finite value"));
            // Different images give different outputs: compare the two batch items.
            int per = outputs[i].Values.Length / batch;
            float[] first = outputs[i].Values[..per];
            float[] second = outputs[i].Values[per..];
            double difference = first.Zip(second, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(difference > 1e-3, $"{outputs[i].Name}: outputs of two different images differ by only {difference}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Exported_files_count_the_flops_of_their_builder(string id, string precision)
    {
        FlopCount fromFile = FlopCounter.CountFile(Path.Combine(exported.OutDirectory, $"{id}-{precision}.onnx"));

        Assert.Equal(FlopCounter.CountCatalogModel(id).FlopsPerFrame, fromFile.FlopsPerFrame);
    }

    [Fact]
    public void Models_list_prints_gflops_per_frame_of_every_file()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.True(VerbDispatcher.TryRun(["models", "list", "--models", exported.ModelsDirectory], output, error, out int exitCode));

        Assert.True(exitCode == 0, error.ToString());
        string[] lines = output.ToString().Split('\n');
        Assert.Contains("GFLOPs", lines[1], StringComparison.Ordinal);
        (string Id, string Gflops)[] published = [("ssd300", "40.30"), ("resnet50", "8.18"), ("tiny-yolov3", "5.56"), ("resnet18", "3.63"), ("mobilenetv2", "0.60")];
        foreach ((string id, string gflops) in published)
        {
            string[] rows = lines.Where(l => l.StartsWith(id + " ", StringComparison.Ordinal)).ToArray();
            Assert.Equal(2, rows.Length);
            Assert.All(rows, row => Assert.Equal(gflops, row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5]));
        }
    }
}
