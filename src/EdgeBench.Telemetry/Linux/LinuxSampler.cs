using System.Diagnostics;
using System.Globalization;

namespace EdgeBench.Telemetry.Linux;

/// <summary>Settings of a <see cref="LinuxSampler"/>.</summary>
public sealed record LinuxSamplerOptions
{
    /// <summary>Directory under which <c>proc/…</c> and <c>sys/…</c> are read; <c>/</c> by default. Tests point it at
    /// a fake tree.</summary>
    public string RootDirectory { get; init; } = "/";

    /// <summary>Polling interval. The first sample comes one interval after <see cref="LinuxSampler.Start"/> (or as Stop closes a shorter window).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Run <c>vcgencmd</c> (Raspberry Pi firmware) for throttling and SoC temperature where it exists.</summary>
    public bool UseVcgencmd { get; init; } = true;

    /// <summary><c>vcgencmd</c> to run; null means <c>$EDGEBENCH_VCGENCMD</c>, else <c>vcgencmd</c> on PATH. When the
    /// file does not exist, the Pi fields stay null (not an error: most Linux boards are not Pis).</summary>
    public string? VcgencmdPath { get; init; }

    /// <summary>Least time between two vcgencmd rounds (each is two process starts, slow on a Pi); samples in between
    /// carry the last values.</summary>
    public TimeSpan VcgencmdMinInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Run <c>vcgencmd pmic_read_adc</c> (Raspberry Pi 5) on every poll for board power. A window stops asking
    /// after the first answer that is not a PMIC dump (a Pi 4 has no PMIC ADC).</summary>
    public bool ReadPmic { get; init; } = true;

    /// <summary>How long one vcgencmd call may take before it is killed and its value left null.</summary>
    public TimeSpan VcgencmdTimeout { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>One <c>/sys/class/thermal/thermal_zoneN</c>.</summary>
/// <param name="Zone">Its <c>type</c> (e.g. <c>cpu-thermal</c>), or <c>thermal_zoneN</c> when type is unreadable.</param>
/// <param name="TemperatureC">Temperature in °C.</param>
public readonly record struct ThermalZoneReading(string Zone, double TemperatureC);

/// <summary>One core's <c>scaling_cur_freq</c>.</summary>
/// <param name="Cpu">Core number (the N of <c>cpuN</c>).</param>
/// <param name="FreqMhz">Current clock in MHz.</param>
public readonly record struct CpuFrequencyReading(int Cpu, double FreqMhz);

/// <summary>One poll of /proc, /sys and (on a Pi) vcgencmd. A null or empty field was absent or unreadable.</summary>
public sealed record LinuxSample
{
    /// <summary>CPU utilisation in percent (all cores) since the previous poll; null without two /proc/stat reads.</summary>
    public double? CpuUtilPct { get; init; }

    /// <summary>MemTotal - MemAvailable in MB (MiB).</summary>
    public long? RamUsedMb { get; init; }

    /// <summary>MemTotal in MB (MiB).</summary>
    public long? RamTotalMb { get; init; }

    /// <summary>Thermal zones in zone-number order.</summary>
    public IReadOnlyList<ThermalZoneReading> ThermalZones { get; init; } = [];

    /// <summary>Per-core current clocks in core order (offline cores have no cpufreq and are absent).</summary>
    public IReadOnlyList<CpuFrequencyReading> CpuFrequencies { get; init; } = [];

    /// <summary><c>vcgencmd get_throttled</c> (all bits; "now" bits via <see cref="LinuxParsers.CurrentThrottling"/>);
    /// null without vcgencmd.</summary>
    public PiThrottleConditions? PiThrottled { get; init; }

    /// <summary><c>vcgencmd measure_temp</c> in °C; null without vcgencmd.</summary>
    public double? PiTemperatureC { get; init; }

    /// <summary><c>vcgencmd pmic_read_adc</c> of this poll (Raspberry Pi 5): every channel and the board power; null
    /// without a PMIC. Read on every poll, not carried over: a power sample is a reading, not the last one again.</summary>
    public PmicReading? PiPmic { get; init; }

    /// <summary>True when no field at all could be read.</summary>
    public bool IsEmpty => CpuUtilPct is null && RamUsedMb is null && ThermalZones.Count == 0 && CpuFrequencies.Count == 0
        && PiThrottled is null && PiTemperatureC is null && PiPmic is null;
}

/// <summary>A poll with the time it was taken.</summary>
/// <param name="Elapsed">Time since <see cref="LinuxSampler.Start"/> (Stopwatch-based, monotonic).</param>
/// <param name="StopwatchTimestamp">Raw <see cref="Stopwatch.GetTimestamp"/> at poll time.</param>
/// <param name="Sample">What was read.</param>
public readonly record struct TimedLinuxSample(TimeSpan Elapsed, long StopwatchTimestamp, LinuxSample Sample);

/// <summary>
/// Polls /proc/stat, /proc/meminfo, thermal zones and cpufreq on a background thread at
/// <see cref="LinuxSamplerOptions.Interval"/>, plus <c>vcgencmd get_throttled</c> and <c>measure_temp</c> where
/// vcgencmd exists (at most once per <see cref="LinuxSamplerOptions.VcgencmdMinInterval"/>). Absent files leave
/// fields null; nothing here is fatal. On a Raspberry Pi 5, <c>vcgencmd pmic_read_adc</c> on every poll gives board
/// power (see <see cref="PowerCoverage"/> for what it leaves out). Works on any Linux (Pi, Jetson, x86) and complements the GPU samplers. The
/// lifecycle (start once, stop, status, samples kept) is <see cref="PollingSampler{TSample}"/>'s.
/// </summary>
public sealed class LinuxSampler : ITelemetrySampler
{
    /// <summary>Environment variable naming the vcgencmd executable.</summary>
    public const string VcgencmdEnvironmentVariable = "EDGEBENCH_VCGENCMD";

    /// <summary>vcgencmd's default name, looked up on PATH.</summary>
    public const string DefaultVcgencmd = "vcgencmd";

    private readonly LinuxSamplerOptions _options;
    private readonly PollingSampler<TimedLinuxSample> _polling;

    // Poll state: touched by the polling thread only (or by a test calling CollectSample before Start).
    private CpuJiffies? _previousJiffies;
    private long _lastVcgencmdTimestamp;
    private PiThrottleConditions? _piThrottled;
    private double? _piTemperatureC;
    private bool _pmicAbsent;

    // Written by the polling thread, read after Stop.
    private volatile PmicReading? _lastPmic;

    /// <summary>Creates a sampler; nothing is read until <see cref="Start"/>.</summary>
    public LinuxSampler(LinuxSamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Interval, TimeSpan.FromMilliseconds(1), nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.VcgencmdMinInterval, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.VcgencmdTimeout, TimeSpan.Zero, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.RootDirectory, nameof(options));
        _options = options;
        Vcgencmd = options.UseVcgencmd
            ? ToolExecutable.Vcgencmd.Locate(options.VcgencmdPath, Environment.GetEnvironmentVariable, File.Exists)
            : null;
        _polling = new PollingSampler<TimedLinuxSample>(
            new PollingOptions(
                Source: "linux",
                options.Interval,
                // One poll runs vcgencmd at most three times.
                LongestPoll: 3 * options.VcgencmdTimeout,
                Prepare,
                emptyPolls => string.Create(CultureInfo.InvariantCulture,
                    $"{emptyPolls} poll(s) under '{options.RootDirectory}' read nothing (no proc/stat, proc/meminfo, thermal zones, cpufreq or vcgencmd)")),
            Poll);
    }

    /// <inheritdoc />
    public string Source => _polling.Source;

    /// <summary>Full path of the vcgencmd that will be run, or null when there is none (or it is disabled).</summary>
    public string? Vcgencmd { get; }

    /// <inheritdoc />
    public TelemetrySamplerStatus Status => _polling.Status;

    /// <inheritdoc />
    public string? StatusMessage => _polling.StatusMessage;

    /// <summary>A snapshot of the polls so far (polls that read nothing at all are not kept); complete after Stop.</summary>
    public IReadOnlyList<TimedLinuxSample> Samples => _polling.Samples;

    /// <inheritdoc />
    public IReadOnlyList<TelemetryReading> Readings => [.. Samples.Select(TelemetryReadings.FromLinux)];

    public long StartTimestamp => _polling.StartTimestamp;

    /// <summary>The Pi 5 PMIC's coverage once it gave power: the rails it sums and the 5 V branches it cannot see
    /// (the USB ports, HATs and the fan are fed from the 5 V input ahead of the PMIC's regulators).</summary>
    public string? PowerCoverage => _lastPmic is { } pmic
        ? string.Create(CultureInfo.InvariantCulture,
            $"power: Pi 5 PMIC, V x I summed over {pmic.PoweredRails.Count} rails (every channel in the raw samples); it does not see the 5 V branches: USB ports, HATs, fan")
        : null;

    /// <summary>Starts polling. False (StartFailed) only when <see cref="LinuxSamplerOptions.RootDirectory"/> does not
    /// exist; missing files inside it are fine.</summary>
    public bool Start() => _polling.Start();

    /// <inheritdoc />
    public bool WaitForSamples(int count, TimeSpan timeout) => _polling.WaitForSamples(count, timeout);

    /// <inheritdoc />
    public TelemetryStopResult Stop() => _polling.Stop();

    /// <summary>Stops polling and releases the wait handle.</summary>
    public void Dispose() => _polling.Dispose();

    /// <summary>Reads everything once. Called by the polling thread; tests call it directly (without Start) to get
    /// deterministic snapshots. The CPU figure is relative to the previous call (or to Start).</summary>
    internal LinuxSample CollectSample(long timestamp)
    {
        CpuJiffies? jiffies = ReadJiffies();
        double? cpu = jiffies is { } now && _previousJiffies is { } before ? LinuxParsers.CpuUtilizationPct(before, now) : null;
        if (jiffies is not null)
        {
            _previousJiffies = jiffies;
        }

        long? usedMb = null;
        long? totalMb = null;
        if (LinuxParsers.TryParseMemInfo(ReadText("proc", "meminfo"), out MemInfoSample mem))
        {
            usedMb = mem.UsedMb;
            totalMb = mem.TotalMb;
        }

        RefreshVcgencmd(timestamp);
        PmicReading? pmic = PollPmic();
        return new LinuxSample
        {
            CpuUtilPct = cpu,
            RamUsedMb = usedMb,
            RamTotalMb = totalMb,
            ThermalZones = ReadThermalZones(),
            CpuFrequencies = ReadCpuFrequencies(),
            PiThrottled = _piThrottled,
            PiTemperatureC = _piTemperatureC,
            PiPmic = pmic,
        };
    }

    private string? Prepare()
    {
        if (!Directory.Exists(_options.RootDirectory))
        {
            return $"root directory '{_options.RootDirectory}' does not exist";
        }

        // Baseline for the first utilisation figure, so the first sample already has one.
        _previousJiffies = ReadJiffies();
        return null;
    }

    private bool Poll(long timestamp, TimeSpan elapsed, out TimedLinuxSample sample)
    {
        LinuxSample read = CollectSample(timestamp);
        sample = new TimedLinuxSample(elapsed, timestamp, read);
        return !read.IsEmpty;
    }

    private CpuJiffies? ReadJiffies() =>
        LinuxParsers.TryParseProcStat(ReadText("proc", "stat"), out CpuJiffies j) ? j : null;

    private List<ThermalZoneReading> ReadThermalZones()
    {
        var zones = new List<(int N, ThermalZoneReading Reading)>();
        foreach (string dir in EnumerateNumbered(Path.Combine(_options.RootDirectory, "sys", "class", "thermal"), "thermal_zone"))
        {
            if (!LinuxParsers.TryParseThermalZone(ReadFile(Path.Combine(dir, "temp")), out double c))
            {
                continue;
            }

            string name = Path.GetFileName(dir);
            string? type = ReadFile(Path.Combine(dir, "type"))?.Trim();
            zones.Add((int.Parse(name.AsSpan("thermal_zone".Length), NumberStyles.None, CultureInfo.InvariantCulture),
                new ThermalZoneReading(string.IsNullOrEmpty(type) ? name : type, c)));
        }

        return [.. zones.OrderBy(z => z.N).Select(z => z.Reading)];
    }

    private List<CpuFrequencyReading> ReadCpuFrequencies()
    {
        var freqs = new List<CpuFrequencyReading>();
        foreach (string dir in EnumerateNumbered(Path.Combine(_options.RootDirectory, "sys", "devices", "system", "cpu"), "cpu"))
        {
            if (LinuxParsers.TryParseCpufreqKhz(ReadFile(Path.Combine(dir, "cpufreq", "scaling_cur_freq")), out double mhz))
            {
                freqs.Add(new CpuFrequencyReading(
                    int.Parse(Path.GetFileName(dir).AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture), mhz));
            }
        }

        return [.. freqs.OrderBy(f => f.Cpu)];
    }

    // Directories named prefix + digits only (cpu0, not cpufreq or cpuidle).
    private static IEnumerable<string> EnumerateNumbered(string parent, string prefix)
    {
        string[] dirs;
        try
        {
            dirs = Directory.GetDirectories(parent, prefix + "*");
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }

        return dirs.Where(d =>
        {
            string name = Path.GetFileName(d);
            return name.Length > prefix.Length && name.AsSpan(prefix.Length).IndexOfAnyExceptInRange('0', '9') < 0;
        });
    }

    private string? ReadText(string first, string second) => ReadFile(Path.Combine(_options.RootDirectory, first, second));

    private static string? ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            // Absent, or a sysfs attribute that fails to read (some thermal zones return EIO/ENODATA when gated).
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void RefreshVcgencmd(long timestamp)
    {
        if (Vcgencmd is not { } exe)
        {
            return;
        }

        if (_lastVcgencmdTimestamp != 0
            && Stopwatch.GetElapsedTime(_lastVcgencmdTimestamp, timestamp) < _options.VcgencmdMinInterval)
        {
            return;
        }

        _lastVcgencmdTimestamp = timestamp;
        _piThrottled = LinuxParsers.TryParseGetThrottled(RunVcgencmd(exe, "get_throttled"), out PiThrottleConditions f) ? f : null;
        _piTemperatureC = LinuxParsers.TryParseMeasureTemp(RunVcgencmd(exe, "measure_temp"), out double c) ? c : null;
    }

    private PmicReading? PollPmic()
    {
        if (Vcgencmd is not { } exe || !_options.ReadPmic || _pmicAbsent)
        {
            return null;
        }

        if (!PmicParser.TryParse(RunVcgencmd(exe, "pmic_read_adc"), out PmicReading pmic))
        {
            // Never answered with a dump: not a Pi 5 (or firmware without the command), so one process start per
            // window rather than one per poll. After a good read, a failed one (a timeout) only leaves this poll out.
            _pmicAbsent = _lastPmic is null;
            return null;
        }

        _lastPmic = pmic;
        return pmic;
    }

    private string? RunVcgencmd(string exe, string command)
    {
        // stderr is captured but not used: a failed call only leaves its value null.
        OneShotResult result = ChildProcess.RunOnce(exe, [command], _options.VcgencmdTimeout);
        return result.Succeeded ? result.StandardOutput : null;
    }
}
