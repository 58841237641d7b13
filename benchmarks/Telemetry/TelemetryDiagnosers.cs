using BenchmarkDotNet.Diagnosers;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Telemetry;
using EdgeBench.Telemetry.Linux;
using EdgeBench.Telemetry.NvidiaSmi;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Benchmarks.Telemetry;

/// <summary>Jetson board telemetry through tegrastats: board power (input rail), GPU load, CPU load, RAM, temperatures.</summary>
internal sealed class TegrastatsDiagnoser(TelemetryDiagnoserConfig config) : SamplerDiagnoser(config)
{
    public static readonly TegrastatsDiagnoser Default = new(new TelemetryDiagnoserConfig());

    public override string Source => TelemetrySources.Name(TelemetrySource.Tegrastats);

    protected override ITelemetrySampler CreateSampler() => new TegrastatsSampler(new TegrastatsSamplerOptions
    {
        ExecutablePath = Config.ExecutablePath,
        Interval = Config.Interval,
        StopTimeout = Config.StopTimeout,
    });

    protected override string? MissingToolMessage()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "tegrastats runs on Jetson (Linux) only.";
        }

        string exe = TegrastatsSampler.ResolveExecutable(Config.ExecutablePath, Environment.GetEnvironmentVariable);
        return TelemetrySources.FindOnPath(exe, Environment.GetEnvironmentVariable("PATH"), MachineProbe.Current) is null
            ? $"'{exe}' was not found. Install it (Jetson L4T), or set {TegrastatsSampler.ExecutableEnvironmentVariable} to its full path."
            : null;
    }
}

/// <summary>Discrete NVIDIA GPU telemetry through nvidia-smi: GPU board power, GPU load, GPU temperature, throttling.</summary>
internal sealed class NvidiaSmiDiagnoser(TelemetryDiagnoserConfig config) : SamplerDiagnoser(config)
{
    public static readonly NvidiaSmiDiagnoser Default = new(new TelemetryDiagnoserConfig());

    public override string Source => TelemetrySources.Name(TelemetrySource.NvidiaSmi);

    protected override ITelemetrySampler CreateSampler() => new NvidiaSmiSampler(new NvidiaSmiSamplerOptions
    {
        ExecutablePath = Config.ExecutablePath,
        Interval = Config.Interval,
        StopTimeout = Config.StopTimeout,
        GpuIndex = Config.GpuIndex,
    });

    protected override string? MissingToolMessage()
    {
        string exe = string.IsNullOrWhiteSpace(Config.ExecutablePath)
            ? Environment.GetEnvironmentVariable(NvidiaSmiSampler.ExecutableEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : NvidiaSmiSampler.DefaultExecutable
            : Config.ExecutablePath;
        return TelemetrySources.FindOnPath(exe, Environment.GetEnvironmentVariable("PATH"), MachineProbe.Current) is null
            ? $"'{exe}' was not found. Install the NVIDIA driver, or set {NvidiaSmiSampler.ExecutableEnvironmentVariable} to nvidia-smi's full path."
            : null;
    }
}

/// <summary>Any Linux: CPU load, RAM, thermal zones (and Raspberry Pi throttling through vcgencmd). No power.</summary>
internal sealed class LinuxDiagnoser(TelemetryDiagnoserConfig config) : SamplerDiagnoser(config)
{
    public static readonly LinuxDiagnoser Default = new(new TelemetryDiagnoserConfig());

    public override string Source => TelemetrySources.Name(TelemetrySource.Linux);

    protected override ITelemetrySampler CreateSampler() => new LinuxSampler(new LinuxSamplerOptions
    {
        RootDirectory = Config.LinuxRootDirectory,
        Interval = Config.Interval,
    });

    protected override string? MissingToolMessage() =>
        OperatingSystem.IsLinux() ? null : "the linux source reads /proc and /sys, which this OS does not have.";
}

/// <summary>Builds the diagnoser <see cref="RunSettings"/> ask for.</summary>
internal static class TelemetryDiagnosers
{
    /// <summary>The diagnoser for <paramref name="settings"/> writing raw samples under <paramref name="runDirectory"/>,
    /// or null for <c>--telemetry none</c> (or auto on a machine with no source). Clears the previous run's results.</summary>
    public static IDiagnoser? Create(RunSettings settings, string? runDirectory, MachineProbe? probe = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        TelemetryCaseResults.Clear();
        (TelemetrySource source, _) = TelemetrySources.Detect(settings.TelemetrySource, probe ?? MachineProbe.Current);
        var config = new TelemetryDiagnoserConfig
        {
            Interval = TimeSpan.FromMilliseconds(settings.TelemetryIntervalMs),
            RunDirectory = runDirectory,
        };
        return source switch
        {
            TelemetrySource.Tegrastats => new TegrastatsDiagnoser(config),
            TelemetrySource.NvidiaSmi => new NvidiaSmiDiagnoser(config),
            TelemetrySource.Linux => new LinuxDiagnoser(config),
            _ => null,
        };
    }
}
