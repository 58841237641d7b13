using System.Globalization;

namespace EdgeBench.Telemetry.Linux;

/// <summary>Aggregate CPU time counters from the <c>cpu </c> line of /proc/stat, in USER_HZ ticks (jiffies).</summary>
/// <remarks>guest and guest_nice are left out on purpose: the kernel already counts them in user and nice.</remarks>
public readonly record struct CpuJiffies(
    ulong User, ulong Nice, ulong System, ulong Idle, ulong IoWait, ulong Irq, ulong SoftIrq, ulong Steal)
{
    /// <summary>Idle time including I/O wait (a CPU waiting for I/O is free to run other work).</summary>
    public ulong IdleTotal => Idle + IoWait;

    /// <summary>All accounted time.</summary>
    public ulong Total => User + Nice + System + Idle + IoWait + Irq + SoftIrq + Steal;
}

/// <summary>Memory figures from /proc/meminfo, in kB as the kernel prints them (kB there means KiB).</summary>
public readonly record struct MemInfoSample(long TotalKb, long AvailableKb)
{
    /// <summary>Total memory in MB (MiB, integer division, like tegrastats' RAM figure).</summary>
    public long TotalMb => TotalKb / 1024;

    /// <summary>Used memory in MB = (MemTotal - MemAvailable) / 1024; MemAvailable counts reclaimable cache as free.</summary>
    public long UsedMb => (TotalKb - AvailableKb) / 1024;
}

/// <summary>Raspberry Pi firmware throttling state from <c>vcgencmd get_throttled</c> (bits 0-3: now; 16-19: has
/// occurred since boot; raspberrypi/firmware#615 and the Raspberry Pi documentation).</summary>
[Flags]
public enum PiThrottleConditions
{
    /// <summary>Nothing reported.</summary>
    None = 0,

    /// <summary>Under-voltage detected now.</summary>
    UnderVoltage = 1 << 0,

    /// <summary>ARM frequency capped now.</summary>
    FrequencyCapped = 1 << 1,

    /// <summary>Currently throttled.</summary>
    Throttled = 1 << 2,

    /// <summary>Soft temperature limit active now.</summary>
    SoftTemperatureLimit = 1 << 3,

    /// <summary>Under-voltage has occurred since boot.</summary>
    UnderVoltageOccurred = 1 << 16,

    /// <summary>Frequency capping has occurred since boot.</summary>
    FrequencyCappedOccurred = 1 << 17,

    /// <summary>Throttling has occurred since boot.</summary>
    ThrottledOccurred = 1 << 18,

    /// <summary>The soft temperature limit has occurred since boot.</summary>
    SoftTemperatureLimitOccurred = 1 << 19,
}

/// <summary>Pure parsers for Linux /proc and /sys text and Raspberry Pi <c>vcgencmd</c> output. They take the text,
/// not a path, so tests need no files and the sampler decides when to read.</summary>
internal static class LinuxParsers
{
    private const PiThrottleConditions NowMask = PiThrottleConditions.UnderVoltage | PiThrottleConditions.FrequencyCapped
        | PiThrottleConditions.Throttled | PiThrottleConditions.SoftTemperatureLimit;

    /// <summary>Reads the aggregate <c>cpu  u n s i io irq sirq steal ...</c> line of /proc/stat. Kernels older than
    /// 2.6.11 print fewer columns; missing ones count as 0. Per-core <c>cpuN</c> lines are ignored.</summary>
    public static bool TryParseProcStat(string? text, out CpuJiffies jiffies)
    {
        jiffies = default;
        if (text is null)
        {
            return false;
        }

        foreach (string rawLine in text.Split('\n'))
        {
            string[] f = rawLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5 || f[0] != "cpu")
            {
                continue;
            }

            var v = new ulong[8];
            for (int k = 0; k < v.Length && k + 1 < f.Length; k++)
            {
                if (!ulong.TryParse(f[k + 1], NumberStyles.None, CultureInfo.InvariantCulture, out v[k]))
                {
                    return false;
                }
            }

            jiffies = new CpuJiffies(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
            return true;
        }

        return false;
    }

    /// <summary>CPU utilisation in percent (0-100) between two snapshots; null when no time passed or a counter went
    /// backwards (e.g. snapshots swapped or taken across a CPU hot-unplug).</summary>
    public static double? CpuUtilizationPct(CpuJiffies before, CpuJiffies after)
    {
        if (after.Total <= before.Total || after.IdleTotal < before.IdleTotal)
        {
            return null;
        }

        double total = after.Total - before.Total;
        double idle = after.IdleTotal - before.IdleTotal;
        return Math.Clamp(100.0 * (total - idle) / total, 0, 100);
    }

    /// <summary>Reads <c>MemTotal</c> and <c>MemAvailable</c> (kernel 3.14+) from /proc/meminfo text.</summary>
    public static bool TryParseMemInfo(string? text, out MemInfoSample sample)
    {
        sample = default;
        long? total = null;
        long? available = null;
        foreach (string line in (text ?? string.Empty).Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            string key = line[..colon];
            if (key is not ("MemTotal" or "MemAvailable"))
            {
                continue;
            }

            string value = line[(colon + 1)..].Trim();
            if (value.EndsWith(" kB", StringComparison.Ordinal))
            {
                value = value[..^3].TrimEnd();
            }

            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
            {
                return false;
            }

            if (key == "MemTotal")
            {
                total = kb;
            }
            else
            {
                available = kb;
            }
        }

        if (total is not { } t || available is not { } a || a > t)
        {
            return false;
        }

        sample = new MemInfoSample(t, a);
        return true;
    }

    /// <summary>Reads /sys/class/thermal/thermal_zone*/temp (millidegrees Celsius, may be negative) as °C.</summary>
    public static bool TryParseThermalZone(string? text, out double celsius)
    {
        celsius = 0;
        if (!long.TryParse(text?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long milli))
        {
            return false;
        }

        celsius = milli / 1000.0;
        return true;
    }

    /// <summary>Reads a cpufreq file such as scaling_cur_freq (kHz) as MHz (Jetson clocks are not whole MHz, e.g.
    /// 1190400 kHz).</summary>
    public static bool TryParseCpufreqKhz(string? text, out double mhz)
    {
        mhz = 0;
        if (!long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long khz))
        {
            return false;
        }

        mhz = khz / 1000.0;
        return true;
    }

    /// <summary>Parses <c>throttled=0x50005</c> from <c>vcgencmd get_throttled</c>.</summary>
    public static bool TryParseGetThrottled(string? text, out PiThrottleConditions flags)
    {
        flags = PiThrottleConditions.None;
        string? v = text?.Trim();
        const string Prefix = "throttled=0x";
        if (v is null || !v.StartsWith(Prefix, StringComparison.Ordinal)
            || !uint.TryParse(v.AsSpan(Prefix.Length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint bits))
        {
            return false;
        }

        flags = (PiThrottleConditions)(int)bits;
        return true;
    }

    /// <summary>The "now" bits only (under-voltage, capped, throttled, soft limit).</summary>
    public static PiThrottleConditions CurrentThrottling(PiThrottleConditions flags) => flags & NowMask;

    /// <summary>Parses <c>temp=47.2'C</c> from <c>vcgencmd measure_temp</c>.</summary>
    public static bool TryParseMeasureTemp(string? text, out double celsius)
    {
        celsius = 0;
        string? v = text?.Trim();
        const string Prefix = "temp=";
        const string Suffix = "'C";
        return v is not null && v.StartsWith(Prefix, StringComparison.Ordinal) && v.EndsWith(Suffix, StringComparison.Ordinal)
            && v.Length > Prefix.Length + Suffix.Length
            && double.TryParse(v.AsSpan(Prefix.Length, v.Length - Prefix.Length - Suffix.Length),
                NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out celsius)
            && double.IsFinite(celsius);
    }
}
