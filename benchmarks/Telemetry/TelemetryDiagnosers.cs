using BenchmarkDotNet.Diagnosers;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Telemetry;
using EdgeBench.Telemetry.Linux;
using EdgeBench.Telemetry.NvidiaSmi;
using EdgeBench.Telemetry.PowerCommand;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Benchmarks.Telemetry;

/// <summary>Jetson board telemetry through tegrastats: board power (input rail), GPU load, CPU load, RAM, temperatures.</summary>
internal sealed class TegrastatsDiagnoser(TelemetryDiagnoserConfig config) : SamplerDiagnoser(config)
{
    public override string Source => TelemetrySources.Name(TelemetrySource.Tegrastats);

    protected override ITelemetrySampler CreateSampler() => new TegrastatsSampler(ToolOptions<TegrastatsSamplerOptions>());

    protected override string? MissingToolMessage() => !OperatingSystem.IsLinux()
        ? "tegrastats runs on Jetson (Linux) only."
        : ToolNotFoundMessage(ToolExecutable.Tegrastats);
}

/// <summary>Discrete NVIDIA GPU telemetry through nvidia-smi: GPU board power, GPU load, GPU temperature, throttling.</summary>
internal sealed class NvidiaSmiDiagnoser(TelemetryDiagnoserConfig config) : SamplerDiagnoser(config)
{
    public override string Source => TelemetrySources.Name(TelemetrySource.NvidiaSmi);

    protected override ITelemetrySampler CreateSampler() =>
        new NvidiaSmiSampler(ToolOptions<NvidiaSmiSamplerOptions>() with { GpuIndex = Config.GpuIndex });

    protected override string? MissingToolMessage() => ToolNotFoundMessage(ToolExecutable.NvidiaSmi);
}

/// <summary>Any Linux: CPU load, RAM, thermal zones (and, through vcgencmd, Raspberry Pi throttling and the Pi 5
/// PMIC's power).</summary>
internal sealed class LinuxDiagnoser(TelemetryDiagnoserConfig config) : SamplerDiagnoser(config)
{
    public override string Source => TelemetrySources.Name(TelemetrySource.Linux);

    protected override ITelemetrySampler CreateSampler() => new LinuxSampler(new LinuxSamplerOptions
    {
        RootDirectory = Config.LinuxRootDirectory,
        Interval = Config.Interval,
    });

    protected override string? MissingToolMessage() =>
        OperatingSystem.IsLinux() ? null : "the linux source reads /proc and /sys, which this OS does not have.";
}

/// <summary><c>--power-command</c> as the only source (<c>--telemetry none</c>, or auto finding none): power and
/// energy, nothing else.</summary>
internal sealed class PowerCommandDiagnoser(TelemetryDiagnoserConfig config) : SamplerDiagnoser(config)
{
    public override string Source => PowerCommandSampler.SourceName;

    protected override ITelemetrySampler CreateSampler() =>
        CreatePowerCommandSampler() ?? throw new InvalidOperationException("the power-command source needs a command");

    // The command is the source itself: nothing to wrap.
    protected override ITelemetrySampler CreateWindowSampler() => CreateSampler();

    protected override string? MissingToolMessage() => null;
}

/// <summary>Builds the diagnoser <see cref="RunSettings"/> ask for.</summary>
internal static class TelemetryDiagnosers
{
    /// <summary>The diagnoser for <paramref name="settings"/> writing raw samples under <paramref name="runDirectory"/>,
    /// or null for <c>--telemetry none</c> (or auto on a machine with no source) without a power command; a power
    /// command then is the source. Clears the previous run's results.</summary>
    public static IDiagnoser? Create(RunSettings settings, string? runDirectory, MachineProbe? probe = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        TelemetryCaseResults.Clear();
        (TelemetrySource source, _) = TelemetrySources.Detect(settings.TelemetrySource, probe ?? MachineProbe.Current);
        var config = new TelemetryDiagnoserConfig
        {
            Interval = TimeSpan.FromMilliseconds(settings.TelemetryIntervalMs),
            RunDirectory = runDirectory,
            PowerCommand = string.IsNullOrWhiteSpace(settings.PowerCommand) ? null : settings.PowerCommand,
        };
        return source switch
        {
            TelemetrySource.Tegrastats => new TegrastatsDiagnoser(config),
            TelemetrySource.NvidiaSmi => new NvidiaSmiDiagnoser(config),
            TelemetrySource.Linux => new LinuxDiagnoser(config),
            _ when config.PowerCommand is not null => new PowerCommandDiagnoser(config),
            _ => null,
        };
    }
}
