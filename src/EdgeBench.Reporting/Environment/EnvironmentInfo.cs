using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeBench.Reporting.Environment;

/// <summary>
/// The context every number of a run carries (<c>environment.json</c>): device, OS, runtimes, commit, and on a
/// Jetson the power mode. A tool or file that is absent is recorded as absent, never fatal.
/// </summary>
public sealed record EnvironmentInfo
{
    public const string FileName = "environment.json";

    /// <summary>Written where a tool or file is missing.</summary>
    public const string Absent = "absent";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Folder name under results/: a slug of the board or CPU model (or --device-id).</summary>
    public string DeviceId { get; init; } = string.Empty;

    /// <summary>jetson, raspberry-pi, nvidia-gpu-host or linux.</summary>
    public string DeviceKind { get; init; } = string.Empty;

    /// <summary>Board model (device tree) or CPU model.</summary>
    public string DeviceModel { get; init; } = string.Empty;

    public string CpuModel { get; init; } = string.Empty;

    public int LogicalCores { get; init; }

    public long? MemoryTotalMb { get; init; }

    /// <summary>GPU names from nvidia-smi, or absent.</summary>
    public string Gpu { get; init; } = Absent;

    /// <summary>
    /// The GPUs' UUIDs from nvidia-smi ("; "-separated, in <see cref="Gpu"/>'s order), or null: which physical card a run
    /// had, where the name cannot tell (a lent machine may be another H200 each time, and a run-to-run difference may be
    /// the card's). Informational: never a reason to refuse a comparison.
    /// </summary>
    public string? GpuUuid { get; init; }

    public string Os { get; init; } = string.Empty;

    public string Kernel { get; init; } = string.Empty;

    public string Architecture { get; init; } = string.Empty;

    public string DotnetVersion { get; init; } = string.Empty;

    public string OnnxRuntimeVersion { get; init; } = Absent;

    public IReadOnlyList<string> OnnxRuntimeProviders { get; init; } = [];

    public string GitCommit { get; init; } = Absent;

    public bool? GitDirty { get; init; }

    /// <summary>Contents of /etc/nv_tegra_release (L4T release), or absent.</summary>
    public string JetsonL4t { get; init; } = Absent;

    /// <summary><c>nvpmodel -q</c> output, or absent.</summary>
    public string JetsonPowerMode { get; init; } = Absent;

    /// <summary>Whether jetson_clocks has locked the clocks (from <c>jetson_clocks --show</c>), or null when unknown.</summary>
    public bool? JetsonClocksLocked { get; init; }

    public string CommandLine { get; init; } = string.Empty;

    /// <summary>
    /// The frames the pipeline cases were fed: the synthetic video, or the user's footage (--frames or
    /// EDGEBENCH_FRAMES) with its kind, path, size and frames decoded. Empty in files written before it was recorded.
    /// </summary>
    public string Footage { get; init; } = string.Empty;

    public DateTimeOffset StartedUtc { get; init; }

    /// <summary>
    /// The CPU's measured FMA peak and copy bandwidth (<see cref="PeakProbe"/>), what % of peak in edgebench.csv is
    /// relative to; null in files written before the probe existed.
    /// </summary>
    public ComputePeak? ComputePeak { get; init; }

    /// <summary>
    /// The GPU's measured GEMM peak through the engine the GPU cases use (fp32 and fp16), what % of peak of a GPU
    /// inference row is relative to; null where no GPU backend ran or in files written before the GPU probe existed.
    /// </summary>
    public GpuPeak? GpuPeak { get; init; }

    /// <summary>
    /// The ONNX Runtime CUDA provider options every CUDA and TensorRT session of the run got (EdgeBench's defaults and
    /// the user's --cuda-options; <c>enable_cuda_graph</c> is the backend value's, the stream the runner's); null
    /// where no GPU backend ran.
    /// </summary>
    public IReadOnlyDictionary<string, string>? OrtCudaOptions { get; init; }

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, s_json) + "\n");

    /// <summary>Reads environment.json; a malformed file raises <see cref="InvalidDataException"/> naming it.</summary>
    public static EnvironmentInfo Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<EnvironmentInfo>(File.ReadAllText(path), s_json)
                ?? throw new InvalidDataException($"{path}: empty; expected an {FileName} object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid {FileName} ({e.Message})", e);
        }
    }
}

/// <summary>Collects <see cref="EnvironmentInfo"/> from /proc, /sys, /etc and a few tools, each with a time limit.</summary>
public static class EnvironmentProbe
{
    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromSeconds(5);

    public static EnvironmentInfo Collect(string repositoryRoot, string? deviceIdOverride, string onnxRuntimeVersion,
        IReadOnlyList<string> onnxRuntimeProviders, string commandLine)
    {
        string? deviceTreeModel = ReadText("/proc/device-tree/model")?.TrimEnd('\0', '\n', ' ');
        string? tegraRelease = ReadText("/etc/nv_tegra_release")?.Trim();
        string cpuModel = ParseCpuModel(ReadText("/proc/cpuinfo") ?? string.Empty) ?? RuntimeInformation.ProcessArchitecture.ToString();
        string? gpu = RunTool("nvidia-smi", "--query-gpu=name --format=csv,noheader")?.Trim();
        string kind = tegraRelease is not null || deviceTreeModel?.Contains("Jetson", StringComparison.OrdinalIgnoreCase) == true ? "jetson"
            : deviceTreeModel?.StartsWith("Raspberry Pi", StringComparison.Ordinal) == true ? "raspberry-pi"
            : !string.IsNullOrEmpty(gpu) ? "nvidia-gpu-host"
            : "linux";
        string deviceModel = kind switch
        {
            "jetson" or "raspberry-pi" => deviceTreeModel ?? cpuModel,
            "nvidia-gpu-host" => gpu!.Split('\n')[0],
            _ => cpuModel,
        };
        string? gitCommit = RunTool("git", $"-C \"{repositoryRoot}\" rev-parse --short=7 HEAD")?.Trim();
        string? gitStatus = gitCommit is null ? null : RunTool("git", $"-C \"{repositoryRoot}\" status --porcelain --untracked-files=no");
        string? power = kind == "jetson" ? RunTool("nvpmodel", "-q")?.Trim() : null;
        string? clocks = kind == "jetson" ? RunTool("jetson_clocks", "--show") : null;

        return new EnvironmentInfo
        {
            DeviceId = deviceIdOverride ?? Slug(deviceModel),
            DeviceKind = kind,
            DeviceModel = deviceModel,
            CpuModel = cpuModel,
            LogicalCores = System.Environment.ProcessorCount,
            MemoryTotalMb = ParseMemTotalMb(ReadText("/proc/meminfo") ?? string.Empty),
            Gpu = string.IsNullOrEmpty(gpu) ? EnvironmentInfo.Absent : gpu.ReplaceLineEndings("; "),
            GpuUuid = string.IsNullOrEmpty(gpu) ? null : RunTool("nvidia-smi", "--query-gpu=uuid --format=csv,noheader")?.Trim().ReplaceLineEndings("; "),
            Os = ParseOsPrettyName(ReadText("/etc/os-release") ?? string.Empty) ?? RuntimeInformation.OSDescription,
            Kernel = ReadText("/proc/sys/kernel/osrelease")?.Trim() ?? RuntimeInformation.OSDescription,
            Architecture = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
            DotnetVersion = RuntimeInformation.FrameworkDescription,
            OnnxRuntimeVersion = onnxRuntimeVersion,
            OnnxRuntimeProviders = onnxRuntimeProviders,
            GitCommit = gitCommit is { Length: > 0 } ? gitCommit : EnvironmentInfo.Absent,
            GitDirty = gitStatus is null ? null : gitStatus.Trim().Length > 0,
            JetsonL4t = tegraRelease ?? EnvironmentInfo.Absent,
            JetsonPowerMode = power ?? EnvironmentInfo.Absent,
            JetsonClocksLocked = clocks is null ? null : ParseJetsonClocksLocked(clocks),
            CommandLine = commandLine,
            StartedUtc = DateTimeOffset.UtcNow,
        };
    }

    /// <summary><c>model name</c> (x86) or <c>Model</c>/<c>Hardware</c> (Arm) of /proc/cpuinfo.</summary>
    internal static string? ParseCpuModel(string cpuinfo)
    {
        foreach (string key in (string[])["model name", "Model", "Hardware"])
        {
            foreach (string line in cpuinfo.Split('\n'))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line[..colon].Trim() == key && line[(colon + 1)..].Trim() is { Length: > 0 } value)
                {
                    return value;
                }
            }
        }

        return null;
    }

    internal static long? ParseMemTotalMb(string meminfo)
    {
        foreach (string line in meminfo.Split('\n'))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb / 1024 : null;
            }
        }

        return null;
    }

    internal static string? ParseOsPrettyName(string osRelease)
    {
        foreach (string line in osRelease.Split('\n'))
        {
            if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
            {
                return line["PRETTY_NAME=".Length..].Trim().Trim('"');
            }
        }

        return null;
    }

    /// <summary>
    /// jetson_clocks --show prints each CPU's MinFreq/MaxFreq/CurrentFreq; locked clocks have MinFreq = MaxFreq on
    /// every online CPU. Null when the output has no such lines.
    /// </summary>
    internal static bool? ParseJetsonClocksLocked(string show)
    {
        bool any = false;
        foreach (string line in show.Split('\n'))
        {
            string? min = Field(line, "MinFreq="), max = Field(line, "MaxFreq=");
            if (line.TrimStart().StartsWith("cpu", StringComparison.OrdinalIgnoreCase) && min is not null && max is not null)
            {
                any = true;
                if (min != max)
                {
                    return false;
                }
            }
        }

        return any ? true : null;

        static string? Field(string line, string key)
        {
            int at = line.IndexOf(key, StringComparison.Ordinal);
            return at < 0 ? null : new string(line[(at + key.Length)..].TakeWhile(char.IsAsciiDigit).ToArray());
        }
    }

    /// <summary>Lower-case letters and digits with single dashes: "NVIDIA Jetson Nano Developer Kit" -> "nvidia-jetson-nano-developer-kit".</summary>
    public static string Slug(string text)
    {
        var slug = new StringBuilder();
        foreach (char c in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        string result = slug.ToString().Trim('-');
        return result.Length == 0 ? "unknown-device" : result;
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Runs a tool and returns its stdout, or null when it is missing, fails or exceeds the time limit.</summary>
    internal static string? RunTool(string fileName, string arguments)
    {
        try
        {
            using var process = new Process
            {
                StartInfo = new ProcessStartInfo(fileName, arguments)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                },
            };
            process.Start();
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(s_toolTimeout))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.GetAwaiter().GetResult() : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
