using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using EdgeBench.Benchmarks;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// The setup-outcome key a benchmark instance records under (<see cref="EdgeBenchmark.SetupKey"/>) is the key its
/// edgebench.csv row looks up (<see cref="CaseIdentity.SetupKey"/>), for every case of every benchmark class; and each
/// case has its own row identity. Nothing is run: the cases come from BenchmarkDotNet's own converter.
/// </summary>
[Collection(nameof(BenchmarkRuns))] // sets the models folder, which the benchmark runs of that collection also read
public sealed class CaseKeyTests : IDisposable
{
    private readonly EnvironmentScope _environment = new();
    private readonly string _models = Directory.CreateTempSubdirectory("edgebench-case-keys-").FullName;

    /// <summary>
    /// A models folder with one user model, so the user-model class has cases too: listing them needs only the two
    /// files to exist (nothing is loaded).
    /// </summary>
    public CaseKeyTests()
    {
        File.WriteAllText(Path.Combine(_models, "user-probe.onnx"), string.Empty);
        File.WriteAllText(Path.Combine(_models, "user-probe.json"), "{}");
        _environment.Set(EdgeBench.Models.Zoo.ModelStore.ModelsDirectoryVariable, _models);
    }

    public void Dispose()
    {
        _environment.Dispose();
        Directory.Delete(_models, recursive: true);
    }

    public static TheoryData<Type> BenchmarkClasses()
    {
        var data = new TheoryData<Type>();
        foreach (Type type in typeof(EdgeBenchmark).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(EdgeBenchmark)) && !t.IsAbstract)
            .OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BenchmarkClasses))]
    public void The_key_setup_records_under_is_the_key_its_row_reads(Type type)
    {
        BenchmarkCase[] cases = BenchmarkConverter.TypeToBenchmarks(type, ManualConfig.CreateEmpty()).BenchmarksCases;
        Assert.NotEmpty(cases);
        bool perMethod = EdgeBenchmark.HasPerMethodSetup(type);
        foreach (BenchmarkCase benchmarkCase in cases)
        {
            using var instance = (EdgeBenchmark)Activator.CreateInstance(type)!;
            foreach (var parameter in benchmarkCase.Parameters.Items)
            {
                type.GetProperty(parameter.Name)!.SetValue(instance, parameter.Value);
            }

            string recorded = instance.SetupKey(perMethod ? benchmarkCase.Descriptor.WorkloadMethod.Name : null);
            Assert.Equal(recorded, CaseIdentity.Of(benchmarkCase).SetupKey);
        }
    }

    [Theory]
    [MemberData(nameof(BenchmarkClasses))]
    public void Every_case_has_its_own_row_and_every_method_a_stage(Type type)
    {
        BenchmarkCase[] cases = BenchmarkConverter.TypeToBenchmarks(type, ManualConfig.CreateEmpty()).BenchmarksCases;
        CaseIdentity[] ids = cases.Select(CaseIdentity.Of).ToArray();
        Assert.All(ids, id => Assert.Contains(id.Stage, Categories.Stages));
        Assert.All(ids, id => Assert.NotEmpty(id.StageRow));
        // (model, stage row, precision, batch, backend) selects one row: the reports and diff rely on it.
        var rows = ids.Select(id => (id.Model, id.StageRow, id.Precision, id.Batch, id.Backend)).ToArray();
        Assert.Equal(rows.Length, rows.Distinct().Count());
    }

    [Fact]
    public void Keys_tell_parameters_and_targets_apart_whatever_their_order()
    {
        string key = CaseOutcomes.Key("T", [("Model", "m"), ("Batch", "1")]);
        Assert.Equal(key, CaseOutcomes.Key("T", [("Batch", "1"), ("Model", "m")]));
        Assert.NotEqual(key, CaseOutcomes.Key("T", [("Model", "m"), ("Batch", "4")]));
        Assert.NotEqual(key, CaseOutcomes.Key("T", [("Model", "m"), ("Batch", "1")], "Method"));
        Assert.NotEqual(key, CaseOutcomes.Key("U", [("Model", "m"), ("Batch", "1")]));
    }

    [Fact]
    public void A_class_the_out_of_process_toolchain_derives_records_under_the_declared_class()
    {
        // BenchmarkDotNet's default toolchain (e.g. under --job dry) compiles a Runnable_N deriving from the benchmark
        // class into a generated assembly; keys made under that name would never meet the row's, and every skipped case
        // would read "failed".
        Assert.Equal(typeof(MobileNetBenchmarks), EdgeBenchmark.DeclaredType(typeof(GeneratedRunnable)));
        using var runnable = new GeneratedRunnable { Model = "mobilenetv2", Precision = "fp32", Batch = 1, Backend = "ort-cpu" };
        using var declared = new MobileNetBenchmarks { Model = "mobilenetv2", Precision = "fp32", Batch = 1, Backend = "ort-cpu" };
        Assert.Equal(declared.SetupKey(), runnable.SetupKey());
    }

    /// <summary>Stands for the Runnable_N class BenchmarkDotNet generates outside this assembly.</summary>
    private sealed class GeneratedRunnable : MobileNetBenchmarks;
}
