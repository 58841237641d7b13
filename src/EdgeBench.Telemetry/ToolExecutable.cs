using EdgeBench.Telemetry.Linux;
using EdgeBench.Telemetry.NvidiaSmi;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Telemetry;

/// <summary>
/// An external tool a sampler runs, and the one way its executable is found, shared by the samplers and the
/// benchmark program's diagnosers and auto-detection: an explicitly configured path, else the tool's environment
/// variable (<c>EDGEBENCH_TEGRASTATS</c>, <c>EDGEBENCH_NVIDIA_SMI</c>, <c>EDGEBENCH_VCGENCMD</c>), else its default
/// name looked up on <c>PATH</c>.
/// </summary>
/// <param name="DefaultName">The executable's name on PATH (<c>tegrastats</c>); also the source name in messages.</param>
/// <param name="EnvironmentVariable">The variable that overrides it (a full path, or a fake in tests).</param>
/// <param name="InstallAdvice">How to get the tool, as the start of a sentence (<c>Install the NVIDIA driver</c>).</param>
internal sealed record ToolExecutable(string DefaultName, string EnvironmentVariable, string InstallAdvice)
{
    /// <summary>tegrastats (Jetson boards).</summary>
    public static ToolExecutable Tegrastats { get; } = new(
        TegrastatsSampler.DefaultExecutable, TegrastatsSampler.ExecutableEnvironmentVariable, "Install tegrastats (Jetson L4T only)");

    /// <summary>nvidia-smi (discrete NVIDIA GPUs).</summary>
    public static ToolExecutable NvidiaSmi { get; } = new(
        NvidiaSmiSampler.DefaultExecutable, NvidiaSmiSampler.ExecutableEnvironmentVariable, "Install the NVIDIA driver (it ships nvidia-smi)");

    /// <summary>vcgencmd (Raspberry Pi firmware), optional for the Linux sampler.</summary>
    public static ToolExecutable Vcgencmd { get; } = new(
        LinuxSampler.DefaultVcgencmd, LinuxSampler.VcgencmdEnvironmentVariable, "Install the Raspberry Pi firmware tools (vcgencmd)");

    /// <summary>The sentence that ends a "could not start" or "not found" message.</summary>
    public string FixHint => $"{InstallAdvice}, or set {EnvironmentVariable} to its full path.";

    /// <summary>The configured path, else the environment variable, else the default name (the process start looks
    /// a bare name up on PATH). Blank values count as unset.</summary>
    public string Resolve(string? configured, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        string? fromEnvironment = getEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultName : fromEnvironment;
    }

    /// <summary>The full path of the executable <see cref="Resolve"/> picks, or null when no such file exists. Used
    /// where a missing tool must be known before it is run: an optional one (vcgencmd) is then skipped quietly rather
    /// than failing a process start on every poll, and a diagnoser warns before the run.</summary>
    public string? Locate(string? configured, Func<string, string?> getEnvironmentVariable, Func<string, bool> fileExists) =>
        FindOnPath(Resolve(configured, getEnvironmentVariable), getEnvironmentVariable("PATH"), fileExists);

    /// <summary>Full path of an existing file: <paramref name="nameOrPath"/> itself when it contains a directory
    /// separator, else the first match in <paramref name="pathVariable"/>'s directories; null when there is none.</summary>
    public static string? FindOnPath(string nameOrPath, string? pathVariable, Func<string, bool> fileExists)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        ArgumentNullException.ThrowIfNull(fileExists);
        if (nameOrPath.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || nameOrPath.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal))
        {
            return fileExists(nameOrPath) ? nameOrPath : null;
        }

        foreach (string dir in (pathVariable ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, nameOrPath);
            if (fileExists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
