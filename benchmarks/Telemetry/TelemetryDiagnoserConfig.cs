using BenchmarkDotNet.Diagnosers;

namespace EdgeBench.Benchmarks.Telemetry;

/// <summary>Immutable settings of a telemetry diagnoser (the shape of BenchmarkDotNet's PerfCollectProfilerConfig).</summary>
internal sealed record TelemetryDiagnoserConfig
{
    /// <summary>Sampling interval handed to the sampler (tegrastats <c>--interval</c>, nvidia-smi <c>-lms</c>, the
    /// /proc poll period).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(TelemetrySources.DefaultIntervalMs);

    /// <summary>How long a tool gets after SIGINT before its process tree is killed.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <see cref="RunMode.NoOverhead"/> (default): the sampler runs during the measured iterations themselves, so the
    /// power, load and temperature describe exactly the iterations whose times are reported, and energy per frame is
    /// that power times that time. <see cref="RunMode.ExtraRun"/> would keep the sampler away from the timed run (as
    /// BenchmarkDotNet's PerfCollectProfiler does), at the price of running every case twice, which doubles the
    /// suite on a 2-core board, and of pairing power from one run with times from another. The sampler's cost was
    /// measured (benchmarks/Telemetry/README.md, "Overhead") and is inside the run-to-run noise, so NoOverhead wins.
    /// ExtraRun stays available here for a board where the measurement says otherwise.
    /// </summary>
    public RunMode RunMode { get; init; } = RunMode.NoOverhead;

    /// <summary>The run folder; raw samples go to its <c>telemetry/</c> subfolder. Null writes no files.</summary>
    public string? RunDirectory { get; init; }

    /// <summary>Tool executable override (tests point it at a fake); null uses the sampler's own resolution
    /// (<c>$EDGEBENCH_TEGRASTATS</c> / <c>$EDGEBENCH_NVIDIA_SMI</c>, else PATH).</summary>
    public string? ExecutablePath { get; init; }

    /// <summary>nvidia-smi only: the GPU to keep (nvidia-smi index); null keeps all.</summary>
    public int? GpuIndex { get; init; }

    /// <summary>The <c>--power-command</c> line: run at <see cref="Interval"/>, its watts replace the source's power;
    /// null runs none.</summary>
    public string? PowerCommand { get; init; }

    /// <summary>Linux only: root of /proc and /sys (tests use a fake tree).</summary>
    public string LinuxRootDirectory { get; init; } = "/";

    /// <summary>Most readings written to a case's raw file: results are committed to git, so a long case at a short
    /// interval keeps its first readings and says how many were left out.</summary>
    public int MaxRawReadings { get; init; } = 2000;
}
