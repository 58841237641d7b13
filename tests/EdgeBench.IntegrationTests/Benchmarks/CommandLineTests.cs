using System.Text.RegularExpressions;
using EdgeBench.Benchmarks;
using EdgeBench.Benchmarks.Cli;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Verbs;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// The command line as declared in <see cref="RunSettings.Options"/> and the verbs: every option's default, variable,
/// flag and error; the generated help; unknown verbs; BenchmarkDotNet's arguments passing through.
/// </summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class CommandLineTests : IDisposable
{
    private static readonly string s_existingFolder = Path.GetFullPath(AppContext.BaseDirectory);

    private readonly EnvironmentScope _environment = new();

    public CommandLineTests()
    {
        // Every option starts from its default, whatever the shell that runs the tests carries.
        foreach (SettingOption option in RunSettings.Options)
        {
            _environment.Set(option.Variable, null);
        }
    }

    public void Dispose() => _environment.Dispose();

    /// <summary>
    /// One row per option: flag, default (as the variable carries it; null = none), a good value and what it becomes,
    /// a bad value (null: free text, any value goes) and the start of its error. A new option needs a row here (see
    /// <see cref="Every_option_has_a_row"/>).
    /// </summary>
    public static TheoryData<string, string?, string, string, string?, string?> Rows() => new()
    {
        { "--model", null, "ssd300,mobilenetv2", "ssd300,mobilenetv2", "yolov9", "'yolov9' is not a model; expected a catalog id (ssd300," },
        { "--batch", "1,4", "8,1,8", "8,1", "1,0", "'0' is not a batch size; expected a whole number 1..256" },
        { "--precision", "fp32,fp16,int8", "int8,fp16", "int8,fp16", "int4", "'int4' is not a precision; expected fp32, fp16, int8 or a list" },
        { "--backend", "ort-cpu,torchsharp-cpu", "ort-cpu,ort-cuda", "ort-cpu,ort-cuda", "tpu", "'tpu' is not a backend; expected one of ort-cpu," },
        { "--threads", "0", "2", "2", "-1", "'-1' is not a thread count; expected a whole number 0..1024" },
        { "--device-id", null, "jetson-orin", "jetson-orin", null, null },
        { "--results", null, "/tmp/edgebench-results", "/tmp/edgebench-results", null, null },
        { "--frames", null, s_existingFolder, s_existingFolder, "/no/such/footage", "'/no/such/footage' does not exist; expected a .y4m or video file" },
        { "--telemetry", "auto", "NVIDIA-SMI", "nvidia-smi", "jtop", "'jtop' is not a telemetry source; expected one of auto," },
        { "--camera-fps", "30", "12.5", "12.5", "0", "'0' is not a frame rate; expected a number 0.1..1000" },
        { "--min-duration", "2s", "1.5m", "90s", "soon", "'soon' is not a duration; expected a number with ms, s, m or h" },
        { "--sustained", null, "10m", "600s", "-1m", "'-1m' is not a duration; expected a number with ms, s, m or h" },
        { "--telemetry-interval", "100", "250", "250", "5", "'5' is not a sampling interval; expected milliseconds, 10..60000" },
        { "--power-command", null, "curl -s http://plug/status | jq .power", "curl -s http://plug/status | jq .power", null, null },
        { "--cold-starts", "3", "5", "5", "0", "'0' is not a launch count; expected a whole number 1..100" },
        { "--cuda-options", null, "use_tf32=0, prefer_nhwc=1", "prefer_nhwc=1,use_tf32=0", "nhwc=1", "'nhwc' is not a CUDA provider option EdgeBench passes on; expected key=value pairs of prefer_nhwc," },
    };

    private static SettingOption Option(string flag) => RunSettings.Options.Single(o => o.Name == flag);

    [Fact]
    public void Every_option_has_a_row()
    {
        Assert.Equal(RunSettings.Options.Select(o => o.Name), Rows().Select(row => (string)row[0]));
        Assert.Equal(RunSettings.Options.Count, RunSettings.Options.Select(o => o.Variable).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Each_option_has_a_default_a_variable_and_a_flag_that_overrides_it(
        string flag, string? defaultValue, string value, string parsed, string? badValue, string? badMessage)
    {
        _ = (badValue, badMessage);
        SettingOption option = Option(flag);
        Assert.Equal(defaultValue, option.ValueText(RunSettings.FromEnvironment()));
        Assert.Equal(defaultValue, option.ValueText(RunSettings.Parse([]).Settings));

        _environment.Set(option.Variable, value);
        Assert.Equal(parsed, option.ValueText(RunSettings.FromEnvironment()));

        _environment.Set(option.Variable, null);
        (RunSettings settings, string[] remaining) = RunSettings.Parse([flag, value]);
        Assert.Equal(parsed, option.ValueText(settings));
        Assert.Empty(remaining);

        // The flag wins over the variable; --flag=value is the same as --flag value.
        // A variable with no default gets another valid value: a duration for --sustained, a path for the rest.
        _environment.Set(option.Variable, defaultValue ?? flag switch { "--sustained" => "1s", "--model" => "resnet18", "--cuda-options" => "use_tf32=1", _ => Path.GetTempPath() });
        Assert.Equal(parsed, option.ValueText(RunSettings.Parse([flag, value]).Settings));
        Assert.Equal(parsed, option.ValueText(RunSettings.Parse([$"{flag}={value}"]).Settings));

        // What Export publishes reads back the same.
        settings.Export();
        Assert.Equal(parsed, option.ValueText(RunSettings.FromEnvironment()));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_bad_value_names_the_flag_or_the_variable_the_value_and_what_was_expected(
        string flag, string? defaultValue, string value, string parsed, string? badValue, string? badMessage)
    {
        _ = (defaultValue, value, parsed);
        if (badValue is null)
        {
            // Free text (a folder name, a path the run will create): any value goes.
            Assert.Equal("any thing", Option(flag).ValueText(RunSettings.Parse([flag, "any thing"]).Settings));
            return;
        }

        ArgumentException fromFlag = Assert.Throws<ArgumentException>(() => RunSettings.Parse(["--filter", "*", flag, badValue]));
        Assert.StartsWith($"{flag}: {badMessage}", fromFlag.Message, StringComparison.Ordinal);

        _environment.Set(Option(flag).Variable, badValue);
        ArgumentException fromVariable = Assert.Throws<ArgumentException>(RunSettings.FromEnvironment);
        Assert.StartsWith($"{Option(flag).Variable}: {badMessage}", fromVariable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_of_a_repeated_option_wins_and_every_one_is_checked()
    {
        // Scripts append their own flags after the user's (eng/gpu/run-on-gpu.sh: --device-id, --results).
        RunSettings settings = RunSettings.Parse(["--device-id", "mine", "--batch", "1", "--device-id", "gpu-h200", "--batch=4"]).Settings;

        Assert.Equal("gpu-h200", settings.DeviceId);
        Assert.Equal([4], settings.Batches);
        Assert.StartsWith("--batch: '0'", Assert.Throws<ArgumentException>(() => RunSettings.Parse(["--batch", "0", "--batch", "1"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_backend_list_the_user_named_is_published()
    {
        new RunSettings().Export();
        Assert.Null(Environment.GetEnvironmentVariable(RunSettings.BackendsVariable));
        Assert.False(RunSettings.FromEnvironment().BackendsExplicit);

        RunSettings.Parse(["--backend", "ort-cpu,torchsharp-cpu"]).Settings.Export();
        Assert.Equal("ort-cpu,torchsharp-cpu", Environment.GetEnvironmentVariable(RunSettings.BackendsVariable));
        Assert.True(RunSettings.FromEnvironment().BackendsExplicit);
    }

    [Fact]
    public void BenchmarkDotNet_arguments_pass_through_in_order_wherever_they_stand()
    {
        (RunSettings settings, string[] remaining) = RunSettings.Parse(
            ["--filter", "*Ssd*", "*Yolo*", "--batch", "1", "-j", "dry", "--", "@args.rsp", "[suggest]", "-m", "--precision", "fp16",
             "--job=short", "--batch=8", "--inProcess", "--exporters", "json", "--threads", "3", "--memory"]);

        Assert.Equal(
            ["--filter", "*Ssd*", "*Yolo*", "-j", "dry", "--", "@args.rsp", "[suggest]", "-m", "--job=short", "--inProcess", "--exporters", "json", "--memory"],
            remaining);
        Assert.Equal([8], settings.Batches);
        Assert.Equal([EdgeBench.Core.Precision.Fp16], settings.Precisions);
        Assert.Equal(3, settings.EffectiveThreads);
    }

    [Fact]
    public void Help_lists_every_option_once_with_its_variable_and_says_where_the_rest_goes()
    {
        using var output = new StringWriter();
        EdgeBenchCommandLine.WriteHelp(output);
        string help = output.ToString();

        AssertEveryOptionOnce(help);
        Assert.Contains("Every other argument goes to BenchmarkDotNet unchanged", help, StringComparison.Ordinal);
        Assert.Contains("--filter, --list, --job, --inProcess, --exporters, --memory", help, StringComparison.Ordinal);
        // -h is BenchmarkDotNet's --hide in a run, so the program's help does not claim it (the verbs' does).
        Assert.Matches(@"(?m)^  -\?, --help ", help);
        foreach (string verb in (string[])["diff", "report", "models", "telemetry"])
        {
            Assert.Matches($@"(?m)^  {verb}\b", help);
        }
    }

    [Fact]
    public void Program_help_prints_ours_then_BenchmarkDotNets_and_exits_0()
    {
        (int exitCode, string output, _) = RunProgram("--help");

        Assert.Equal(0, exitCode);
        AssertEveryOptionOnce(output);
        int benchmarkDotNet = output.IndexOf("BenchmarkDotNet's options (passed through unchanged):", StringComparison.Ordinal);
        Assert.True(benchmarkDotNet > output.IndexOf("--telemetry-interval", StringComparison.Ordinal), "EdgeBench's help comes first");
        Assert.Contains("--runtimes", output[benchmarkDotNet..], StringComparison.Ordinal);
    }

    [Fact]
    public void BenchmarkDotNet_options_mixed_with_ours_reach_BenchmarkDotNet()
    {
        (int exitCode, string output, _) = RunProgram("--list", "flat", "--batch", "1", "--filter", "*MobileNet*", "--precision", "fp16");

        Assert.Equal(0, exitCode);
        Assert.Contains("EdgeBench.Benchmarks.Pipeline.MobileNetBenchmarks.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("SsdBenchmarks.", output, StringComparison.Ordinal);
        Assert.Contains("Batch = 1 (--batch)", output, StringComparison.Ordinal);
        Assert.Contains("Precision = fp16 (--precision)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("frobnicate", "--filter", "*")]
    [InlineData("Diff")]
    public void An_unknown_verb_exits_1_naming_it_and_the_verbs(params string[] args)
    {
        (int exitCode, string output, string error) = RunProgram(args);

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        Assert.StartsWith($"unknown verb '{args[0]}'; expected one of diff, report, models, telemetry,", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Selfcheck_kernels_is_hidden_prints_a_line_per_kernel_path_and_exits_0_when_all_agree()
    {
        (int exitCode, string output, string error) = RunVerb("selfcheck", "kernels", "--seed", "7");

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Matches(@"^machine: x64: Vector128\.IsHardwareAccelerated=True", output);
        Assert.Matches(new Regex(@"^preprocess\.horizontal +Vector128 \+ \S+ .* ok$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^kernels: \d+ vector paths match their scalar twins", RegexOptions.Multiline), output);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);

        using var help = new StringWriter();
        EdgeBenchCommandLine.WriteHelp(help);
        Assert.DoesNotContain("selfcheck", help.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_argument_that_starts_with_a_dash_is_never_a_verb()
    {
        Assert.False(VerbDispatcher.TryRun(["--frobnicate"], TextWriter.Null, TextWriter.Null, out _));
        Assert.False(VerbDispatcher.TryRun(["-j", "dry"], TextWriter.Null, TextWriter.Null, out _));
        Assert.False(VerbDispatcher.TryRun([], TextWriter.Null, TextWriter.Null, out _));
    }

    [Theory]
    [InlineData("diff", "--threshold")]
    [InlineData("report devices", "--catalog")]
    [InlineData("report precision", "--stage")]
    [InlineData("models export", "--out")]
    [InlineData("telemetry parse", "<tegrastats-log>")]
    public void Each_verb_has_generated_help(string verb, string expected)
    {
        (int exitCode, string output, string error) = RunVerb([.. verb.Split(' '), "--help"]);

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Contains($"EdgeBench.Benchmarks {verb}", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_verb_takes_dash_h_as_help_and_a_run_only_without_a_value()
    {
        (int exitCode, string output, _) = RunVerb("diff", "-h");

        Assert.Equal(0, exitCode);
        Assert.Contains("EdgeBench.Benchmarks diff <base-run> <new-run> [options]", output, StringComparison.Ordinal);
        Assert.Equal(["-h", "Mean", "--filter", "*"], RunSettings.Parse(["-h", "Mean", "--batch", "1", "--filter", "*"]).Remaining);
        Assert.False(EdgeBenchCommandLine.AsksForHelp(["-h", "Mean", "Ratio", "--filter", "*"]));
        Assert.True(EdgeBenchCommandLine.AsksForHelp(["--filter", "*", "-h"]));
        Assert.True(EdgeBenchCommandLine.AsksForHelp(["-h", "--filter", "*"]));
        Assert.True(EdgeBenchCommandLine.AsksForHelp(["-?"]));
    }

    [Fact]
    public void Models_export_without_out_and_telemetry_parse_of_a_missing_file_exit_1()
    {
        (int export, _, string exportError) = RunVerb("models", "export");
        (int parse, _, string parseError) = RunVerb("telemetry", "parse", "/no/such/tegrastats.log");

        Assert.Equal(1, export);
        Assert.StartsWith("models export: Option '--out' is required.", exportError, StringComparison.Ordinal);
        Assert.Equal(1, parse);
        Assert.StartsWith("telemetry parse: /no/such/tegrastats.log: file not found", parseError, StringComparison.Ordinal);
    }

    private static void AssertEveryOptionOnce(string help)
    {
        foreach (SettingOption option in RunSettings.Options)
        {
            Assert.Single(Regex.Matches(help, $@"(?<![\w-]){Regex.Escape(option.Name)}(?![\w-])"));
            Assert.Contains($"[env: {option.Variable}]", help, StringComparison.Ordinal);
        }
    }

    private static (int ExitCode, string Output, string Error) RunVerb(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.True(VerbDispatcher.TryRun(args, output, error, out int exitCode));
        return (exitCode, output.ToString(), error.ToString());
    }

    private static (int ExitCode, string Output, string Error) RunProgram(params string[] args) => ProgramConsole.Run(args);
}
