using EdgeBench.Telemetry.Linux;
using EdgeBench.Telemetry.NvidiaSmi;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Telemetry;

/// <summary>
/// One sample of any sampler in the common shape <see cref="TelemetrySummary"/> works on. A null field means the
/// source does not report it (or did not on this sample).
/// </summary>
/// <param name="Elapsed">Monotonic (Stopwatch-based) time of the sample since its sampler started. Only differences
/// between readings of one sampler are used.</param>
/// <param name="PowerMw">Board power (tegrastats' input rail or rail sum) or GPU board power (nvidia-smi) in mW.</param>
/// <param name="GpuUtilPct">GPU utilisation in percent.</param>
/// <param name="CpuUtilPct">CPU utilisation in percent, all online cores together (0-100).</param>
/// <param name="RamUsedMb">Host RAM in use in MB (MiB, as the kernel and tegrastats print it).</param>
/// <param name="MaxTemperatureC">Hottest real sensor in °C (constant zones such as tegrastats' PMIC left out).</param>
/// <param name="Throttled">True when the hardware reports clocks reduced for thermal or power reasons right now;
/// null when the source has no such field (tegrastats, Linux without vcgencmd).</param>
/// <param name="ClockMhz">The clock that shows throttling, in MHz: the GPU's (nvidia-smi SM clock, tegrastats GR3D)
/// where the source has one, else the CPU's (mean of the cores' cpufreq); null when not read.</param>
/// <param name="ClockName">Which clock <paramref name="ClockMhz"/> is: "SM", "GPU" or "CPU".</param>
/// <param name="Channels">What the source read beyond the common fields and the raw samples keep as columns of their
/// own (the Pi 5 PMIC's rails); null when none.</param>
/// <param name="GpuMemoryUsedMb">Device memory in use, MiB, summed over the GPUs (nvidia-smi memory.used); null elsewhere
/// (a Jetson's GPU shares host RAM, which <paramref name="RamUsedMb"/> already holds).</param>
public sealed record TelemetryReading(
    TimeSpan Elapsed,
    double? PowerMw = null,
    double? GpuUtilPct = null,
    double? CpuUtilPct = null,
    double? RamUsedMb = null,
    double? MaxTemperatureC = null,
    bool? Throttled = null,
    double? ClockMhz = null,
    string? ClockName = null,
    IReadOnlyList<TelemetryChannel>? Channels = null,
    double? GpuMemoryUsedMb = null);

/// <summary>One named value of a <see cref="TelemetryReading"/> outside the common fields.</summary>
/// <param name="Name">Its column name in the raw samples, with the unit in it or implied by the source's own naming
/// (<c>VDD_CORE_A</c> is amperes, <c>VDD_CORE_V</c> volts).</param>
/// <param name="Value">The value.</param>
public readonly record struct TelemetryChannel(string Name, double Value);

/// <summary>Maps each sampler's own samples to <see cref="TelemetryReading"/>. Pure.</summary>
public static class TelemetryReadings
{
    /// <summary>nvidia-smi clock-event bits that mean "slowed down for thermal or power reasons": software power cap,
    /// hardware slowdown, software/hardware thermal slowdown and hardware power brake. Idle, application-clock,
    /// sync-boost and display-clock bits are configuration, not throttling, and do not count.</summary>
    public const ClockEventReasons ThrottleReasons = ClockEventReasons.SwPowerCap | ClockEventReasons.HwSlowdown
        | ClockEventReasons.SwThermalSlowdown | ClockEventReasons.HwThermalSlowdown | ClockEventReasons.HwPowerBrakeSlowdown;

    /// <summary>tegrastats line → reading: power = <see cref="TegrastatsSample.BoardPowerMw"/> (check its
    /// <see cref="TegrastatsSample.BoardPowerSource"/>), GPU = <c>GR3D_FREQ</c> %, CPU = mean load of the online
    /// cores (off cores are left out, not counted as 0), RAM = used MB, temperature = max over zones except
    /// <see cref="TegrastatsParser.ConstantZones"/> (PMIC prints a constant). tegrastats has no throttle field:
    /// <see cref="TelemetryReading.Throttled"/> stays null.</summary>
    public static TelemetryReading FromTegrastats(TimedTegrastatsSample sample)
    {
        TegrastatsSample s = sample.Sample;
        ArgumentNullException.ThrowIfNull(s, nameof(sample));
        double? cpu = null;
        int online = 0;
        double sum = 0;
        foreach (CpuCoreSample? core in s.Cpus)
        {
            if (core is { } c)
            {
                online++;
                sum += c.LoadPct;
            }
        }

        if (online > 0)
        {
            cpu = sum / online;
        }

        double? maxTemp = null;
        foreach (TemperatureSample t in s.Temperatures)
        {
            if (!TegrastatsParser.ConstantZones.Contains(t.Zone, StringComparer.OrdinalIgnoreCase))
            {
                maxTemp = maxTemp is { } m ? Math.Max(m, t.CurrentC) : t.CurrentC;
            }
        }

        // The GPU clock where printed (the benchmark's work is on the GPU); the cores' mean clock otherwise.
        (double? clock, string? clockName) = s.GpuFreqMhz is { } gpuMhz
            ? ((double?)gpuMhz, "GPU")
            : MeanClock(s.Cpus.Where(c => c is { FreqMhz: not null }).Select(c => (double)c!.Value.FreqMhz!.Value));
        return new TelemetryReading(sample.Elapsed, s.BoardPowerMw, s.GpuPct, cpu, s.RamUsedMb, maxTemp, Throttled: null, clock, clockName);
    }

    /// <summary>nvidia-smi lines of one tick (one line per GPU, or the single selected GPU) → reading: power = sum of
    /// the GPUs' <c>power.draw</c> in mW, GPU = mean utilisation, temperature = max, throttled = any GPU has a bit of
    /// <see cref="ThrottleReasons"/> set (null when no GPU printed a mask). RAM and CPU stay null: device memory is
    /// not host RAM (it stays in <see cref="NvidiaSmiSample.MemoryUsedMib"/>); pair with <see cref="LinuxSampler"/>
    /// for the host. Clock = the slowest GPU's SM clock.</summary>
    public static TelemetryReading FromNvidiaSmi(TimeSpan elapsed, IReadOnlyList<NvidiaSmiSample> gpus)
    {
        ArgumentNullException.ThrowIfNull(gpus);
        double? power = null;
        double utilSum = 0;
        int utilCount = 0;
        double? maxTemp = null;
        bool? throttled = null;
        int? slowestSmMhz = null;
        double? memoryUsed = null;
        foreach (NvidiaSmiSample g in gpus)
        {
            if (g.MemoryUsedMib is { } mib)
            {
                memoryUsed = (memoryUsed ?? 0) + mib;
            }

            if (g.SmClockMhz is { } sm)
            {
                slowestSmMhz = slowestSmMhz is { } s ? Math.Min(s, sm) : sm;
            }

            if (g.PowerDrawW is { } w)
            {
                power = (power ?? 0) + (w * 1000);
            }

            if (g.GpuUtilPct is { } u)
            {
                utilSum += u;
                utilCount++;
            }

            if (g.TemperatureC is { } t)
            {
                maxTemp = maxTemp is { } m ? Math.Max(m, t) : t;
            }

            if (g.ClockEventReasons is { } r)
            {
                throttled = (throttled ?? false) || (r & ThrottleReasons) != 0;
            }
        }

        return new TelemetryReading(elapsed, power, utilCount > 0 ? utilSum / utilCount : null, CpuUtilPct: null,
            RamUsedMb: null, maxTemp, throttled, slowestSmMhz, slowestSmMhz is null ? null : "SM", GpuMemoryUsedMb: memoryUsed);
    }

    /// <summary>Linux poll → reading: CPU = utilisation since the previous poll, RAM = MemTotal - MemAvailable,
    /// temperature = max over thermal zones and <c>vcgencmd measure_temp</c>, throttled = any "now" bit of
    /// <c>vcgencmd get_throttled</c> (bits 0-3; the "has occurred since boot" bits 16-19 do not count; null without
    /// vcgencmd), power = the Pi 5 PMIC's sum of V x I (<see cref="PmicReading.BoardPowerW"/>) with every PMIC channel
    /// in <see cref="TelemetryReading.Channels"/>; null without a PMIC. No GPU figures.</summary>
    public static TelemetryReading FromLinux(TimedLinuxSample sample)
    {
        LinuxSample s = sample.Sample;
        ArgumentNullException.ThrowIfNull(s, nameof(sample));
        double? maxTemp = s.PiTemperatureC;
        foreach (ThermalZoneReading z in s.ThermalZones)
        {
            maxTemp = maxTemp is { } m ? Math.Max(m, z.TemperatureC) : z.TemperatureC;
        }

        bool? throttled = s.PiThrottled is { } f ? LinuxParsers.CurrentThrottling(f) != PiThrottleConditions.None : null;
        (double? clock, string? clockName) = MeanClock(s.CpuFrequencies.Select(f => f.FreqMhz));
        return new TelemetryReading(sample.Elapsed, s.PiPmic?.BoardPowerW * 1000, GpuUtilPct: null, s.CpuUtilPct, s.RamUsedMb, maxTemp,
            throttled, clock, clockName, s.PiPmic?.Channels);
    }

    // The cores' mean clock: a thermal or power cap lowers every core of a cluster, so the mean shows it and a single
    // core's DVFS step moves it little.
    private static (double? Mhz, string? Name) MeanClock(IEnumerable<double> coreMhz)
    {
        double[] clocks = [.. coreMhz];
        return clocks.Length == 0 ? (null, null) : (clocks.Average(), "CPU");
    }
}
