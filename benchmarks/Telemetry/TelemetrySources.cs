using System.Globalization;
using EdgeBench.Telemetry;
using EdgeBench.Telemetry.NvidiaSmi;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Benchmarks.Telemetry;

/// <summary>What <c>--telemetry</c> asks for.</summary>
internal enum TelemetrySource
{
    /// <summary>Pick from the machine: tegrastats on a Jetson, nvidia-smi where an NVIDIA GPU is, Linux otherwise.</summary>
    Auto,

    /// <summary>No sampling: no diagnoser is added and the telemetry columns stay empty.</summary>
    None,

    /// <summary>tegrastats (Jetson): board power, GPU load, CPU load, RAM, temperatures.</summary>
    Tegrastats,

    /// <summary>nvidia-smi (discrete GPU): GPU board power, GPU load, GPU temperature, throttle reasons.</summary>
    NvidiaSmi,

    /// <summary>/proc and /sys (any Linux, Raspberry Pi throttling through vcgencmd): CPU load, RAM, temperatures.</summary>
    Linux,
}

/// <summary>What the machine offers, as far as <see cref="TelemetrySources.Detect"/> needs to know. Injected so the
/// choice is testable without a Jetson or a GPU.</summary>
/// <param name="FileExists">File or device node exists (<c>/etc/nv_tegra_release</c>, <c>/dev/nvidia0</c>).</param>
/// <param name="DirectoryExists">Directory exists (<c>/proc/driver/nvidia/gpus</c>).</param>
/// <param name="GetEnvironmentVariable">Environment lookup (<c>PATH</c>, the EDGEBENCH_* tool overrides).</param>
/// <param name="IsLinux">The OS is Linux.</param>
internal sealed record MachineProbe(
    Func<string, bool> FileExists,
    Func<string, bool> DirectoryExists,
    Func<string, string?> GetEnvironmentVariable,
    bool IsLinux)
{
    /// <summary>This machine.</summary>
    public static MachineProbe Current { get; } = new(File.Exists, Directory.Exists, Environment.GetEnvironmentVariable, OperatingSystem.IsLinux());
}

/// <summary>Parsing, naming and automatic choice of the telemetry source.</summary>
internal static class TelemetrySources
{
    /// <summary>Default sampling interval. 100 ms gives about 12 samples over the edge job's 8 x 150 ms measured
    /// iterations (power needs at least two), while tegrastats, nvidia-smi and the /proc poll each cost well under
    /// 1% of a core at that rate (see benchmarks/Telemetry/README.md for the measured overhead).</summary>
    public const int DefaultIntervalMs = 100;

    /// <summary>Jetson's L4T release file: its presence is what makes a board a Jetson for auto-detection.</summary>
    public const string TegraReleaseFile = "/etc/nv_tegra_release";

    private static readonly (TelemetrySource Source, string Name)[] s_names =
    [
        (TelemetrySource.Auto, "auto"),
        (TelemetrySource.None, "none"),
        (TelemetrySource.Tegrastats, "tegrastats"),
        (TelemetrySource.NvidiaSmi, "nvidia-smi"),
        (TelemetrySource.Linux, "linux"),
    ];

    /// <summary>The command-line spelling of <paramref name="source"/>.</summary>
    public static string Name(TelemetrySource source) => s_names.First(n => n.Source == source).Name;

    /// <summary>Parses a <c>--telemetry</c> value; <paramref name="origin"/> (flag or variable) names the culprit.</summary>
    public static TelemetrySource Parse(string text, string origin)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach ((TelemetrySource source, string name) in s_names)
        {
            if (string.Equals(text.Trim(), name, StringComparison.OrdinalIgnoreCase))
            {
                return source;
            }
        }

        throw new ArgumentException($"{origin}: '{text}' is not a telemetry source; expected one of {string.Join(", ", s_names.Select(n => n.Name))}.");
    }

    /// <summary>Parses a <c>--telemetry-interval</c> value in milliseconds (10..60000).</summary>
    public static int ParseInterval(string text, string origin) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int ms) && ms is >= 10 and <= 60_000
            ? ms
            : throw new ArgumentException($"{origin}: '{text}' is not a sampling interval; expected milliseconds, 10..60000.");

    /// <summary>
    /// Resolves <see cref="TelemetrySource.Auto"/>; other values are returned as they are (an explicit choice is
    /// honoured even when the tool is missing: the run then says why the columns are empty). Order: tegrastats when
    /// the board is a Jetson (<see cref="TegraReleaseFile"/>, tegrastats on PATH, or <c>$EDGEBENCH_TEGRASTATS</c>
    /// set), then nvidia-smi when an NVIDIA GPU is present (nvidia-smi on PATH and the driver's
    /// <c>/proc/driver/nvidia/gpus</c> or <c>/dev/nvidia0</c>, or <c>$EDGEBENCH_NVIDIA_SMI</c> set), then Linux,
    /// else none. A Jetson also has nvidia-smi on recent JetPacks, but tegrastats is the one that reads the board's
    /// power rails, so it goes first.
    /// </summary>
    public static (TelemetrySource Source, string Why) Detect(TelemetrySource requested, MachineProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (requested != TelemetrySource.Auto)
        {
            return (requested, $"--telemetry {Name(requested)}");
        }

        if (!string.IsNullOrWhiteSpace(probe.GetEnvironmentVariable(ToolExecutable.Tegrastats.EnvironmentVariable)))
        {
            return (TelemetrySource.Tegrastats, $"auto: {ToolExecutable.Tegrastats.EnvironmentVariable} is set");
        }

        if (probe.FileExists(TegraReleaseFile))
        {
            return (TelemetrySource.Tegrastats, $"auto: {TegraReleaseFile} exists (Jetson)");
        }

        if (OnPath(ToolExecutable.Tegrastats, probe))
        {
            return (TelemetrySource.Tegrastats, "auto: tegrastats is on PATH");
        }

        if (!string.IsNullOrWhiteSpace(probe.GetEnvironmentVariable(ToolExecutable.NvidiaSmi.EnvironmentVariable)))
        {
            return (TelemetrySource.NvidiaSmi, $"auto: {ToolExecutable.NvidiaSmi.EnvironmentVariable} is set");
        }

        if (OnPath(ToolExecutable.NvidiaSmi, probe)
            && (probe.DirectoryExists("/proc/driver/nvidia/gpus") || probe.FileExists("/dev/nvidia0")))
        {
            return (TelemetrySource.NvidiaSmi, "auto: nvidia-smi is on PATH and an NVIDIA GPU is present");
        }

        return probe.IsLinux
            ? (TelemetrySource.Linux, "auto: no Jetson or NVIDIA GPU found; Linux /proc and /sys")
            : (TelemetrySource.None, "auto: not Linux; no telemetry source");
    }

    // Auto-detection looks for a tool by its default name only: the environment override is a choice of its own.
    private static bool OnPath(ToolExecutable tool, MachineProbe probe) =>
        ToolExecutable.FindOnPath(tool.DefaultName, probe.GetEnvironmentVariable("PATH"), probe.FileExists) is not null;
}
