using System.Globalization;

namespace EdgeBench.Telemetry;

/// <summary>Settings every tool sampler (tegrastats, nvidia-smi) takes: which executable, how often, how long a
/// stop may take.</summary>
public abstract record ToolSamplerOptions
{
    /// <summary>Executable to run; null means the tool's environment variable (<c>$EDGEBENCH_TEGRASTATS</c>,
    /// <c>$EDGEBENCH_NVIDIA_SMI</c>), else the tool's name on PATH. Tests point it at a fake script.</summary>
    public string? ExecutablePath { get; init; }

    /// <summary>Sampling interval handed to the tool (tegrastats <c>--interval</c>, nvidia-smi <c>-lms</c>), in whole
    /// milliseconds, at least 1. The first line arrives one interval after start.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long Stop waits after SIGINT (half) and SIGTERM (the rest) before killing the process tree.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Checks the settings and turns them into the lifecycle's: the executable resolved now (configured path,
    /// else environment, else PATH) and the argument list built from the interval in milliseconds.</summary>
    internal LineProcessOptions ToLineProcessOptions(ToolExecutable tool, Func<string, IReadOnlyList<string>> argumentsForIntervalMs)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(argumentsForIntervalMs);
        ArgumentOutOfRangeException.ThrowIfLessThan(Interval, TimeSpan.FromMilliseconds(1), nameof(Interval));
        ArgumentOutOfRangeException.ThrowIfLessThan(StopTimeout, TimeSpan.Zero, nameof(StopTimeout));
        long intervalMs = Math.Max(1, (long)Math.Round(Interval.TotalMilliseconds));
        return new LineProcessOptions(
            tool,
            tool.Resolve(ExecutablePath, Environment.GetEnvironmentVariable),
            argumentsForIntervalMs(intervalMs.ToString(CultureInfo.InvariantCulture)),
            StopTimeout);
    }
}
