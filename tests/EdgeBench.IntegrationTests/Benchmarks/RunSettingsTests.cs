using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core;

namespace EdgeBench.IntegrationTests.Benchmarks;

[Collection(nameof(BenchmarkRuns))]
public class RunSettingsTests
{
    [Fact]
    public void EdgeBench_options_are_taken_out_and_the_rest_goes_to_BenchmarkDotNet()
    {
        (RunSettings settings, string[] rest) = RunSettings.Parse(
            ["--filter", "*Ssd*", "--batch", "1,8", "--precision", "fp16", "--backend", "ort-cpu,ort-cuda", "--threads", "2", "--job", "short"]);

        Assert.Equal([1, 8], settings.Batches);
        Assert.Equal([Precision.Fp16], settings.Precisions);
        Assert.Equal(["ort-cpu", "ort-cuda"], settings.Backends);
        Assert.Equal(2, settings.Threads);
        Assert.Equal(2, settings.EffectiveThreads);
        Assert.True(settings.BackendsExplicit);
        Assert.Equal(["--filter", "*Ssd*", "--job", "short"], rest);
    }

    [Fact]
    public void The_default_runs_both_cpu_engines_at_one_thread_per_core_and_only_a_named_list_is_exported()
    {
        using var environment = new EnvironmentScope();

        // Export writes all of these; the scope restores each on dispose.
        foreach (string variable in (string[])[RunSettings.BatchesVariable, RunSettings.PrecisionsVariable, RunSettings.FramesVariable,
            RunSettings.TelemetryVariable, RunSettings.TelemetryIntervalVariable])
        {
            environment.Set(variable, Environment.GetEnvironmentVariable(variable));
        }

        environment.Set(RunSettings.BackendsVariable, null);
        environment.Set(RunSettings.ThreadsVariable, null);

        (RunSettings settings, _) = RunSettings.Parse([]);
        Assert.Equal([BackendNames.OrtCpu, BackendNames.TorchSharpCpu], settings.Backends);
        Assert.False(settings.BackendsExplicit);
        Assert.Equal(Environment.ProcessorCount, settings.EffectiveThreads);
        settings.Export();
        Assert.False(RunSettings.FromEnvironment().BackendsExplicit);

        (RunSettings named, _) = RunSettings.Parse(["--backend", "torchsharp-cpu"]);
        named.Export();
        Assert.True(RunSettings.FromEnvironment().BackendsExplicit);
        Assert.Equal([BackendNames.TorchSharpCpu], RunSettings.FromEnvironment().Backends);
    }

    [Theory]
    [InlineData("--batch", "0", "--batch: '0' is not a batch size")]
    [InlineData("--batch", "1,x", "--batch: 'x' is not a batch size")]
    [InlineData("--precision", "int4", "--precision: 'int4' is not a precision")]
    [InlineData("--backend", "tpu", "--backend: 'tpu' is not a backend")]
    [InlineData("--threads", "-1", "--threads: '-1' is not a thread count")]
    [InlineData("--frames", "/no/such/footage", "--frames: '/no/such/footage' does not exist")]
    public void Bad_values_name_the_flag_the_value_and_what_was_expected(string flag, string value, string expected)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => RunSettings.Parse([flag, value]));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flag_without_its_value_is_an_error()
    {
        Assert.Equal("--batch needs a value.", Assert.Throws<ArgumentException>(() => RunSettings.Parse(["--batch"])).Message);
    }
}
