using System.Globalization;

namespace EdgeBench.Telemetry.NvidiaSmi;

/// <summary>
/// Why an NVIDIA GPU's clocks are below their maximum: the bits of nvidia-smi's <c>clocks_throttle_reasons.active</c>
/// (renamed <c>clocks_event_reasons.active</c> by newer drivers; both names are accepted as of driver 580), as
/// defined by NVML's <c>nvmlClocksEventReason*</c> constants in nvml.h.
/// </summary>
[Flags]
public enum ClockEventReasons
{
    /// <summary>No reason active: clocks run as high as possible.</summary>
    None = 0,

    /// <summary>Nothing is running on the GPU and the clocks are dropping to idle.</summary>
    GpuIdle = 0x1,

    /// <summary>Clocks limited by the applications clocks setting.</summary>
    ApplicationsClocksSetting = 0x2,

    /// <summary>Software power scaling is reducing clocks (power cap reached).</summary>
    SwPowerCap = 0x4,

    /// <summary>Hardware slowdown (clock divided by 2 or more): thermal or external power brake.</summary>
    HwSlowdown = 0x8,

    /// <summary>The GPU is in a sync-boost group and runs at the group's minimum clock.</summary>
    SyncBoost = 0x10,

    /// <summary>Software thermal capping: temperature above the maximum operating temperature.</summary>
    SwThermalSlowdown = 0x20,

    /// <summary>Hardware thermal slowdown.</summary>
    HwThermalSlowdown = 0x40,

    /// <summary>Hardware power-brake slowdown (external power brake asserted).</summary>
    HwPowerBrakeSlowdown = 0x80,

    /// <summary>Clocks limited by the display clock setting.</summary>
    DisplayClockSetting = 0x100,
}

/// <summary>One GPU's line of <see cref="NvidiaSmiQuery.Arguments"/> output. A null value means nvidia-smi printed
/// <c>[N/A]</c>, <c>[Not Supported]</c> or another bracketed non-value for it.</summary>
/// <param name="Index">GPU index (as in <c>CUDA_VISIBLE_DEVICES</c> with the default PCI bus order).</param>
/// <param name="Name">Product name, e.g. <c>NVIDIA H100 80GB HBM3</c>.</param>
/// <param name="PowerDrawW">Board power draw in watts.</param>
/// <param name="GpuUtilPct">Percent of the last sample period during which a kernel was running.</param>
/// <param name="MemoryUsedMib">Used device memory in MiB.</param>
/// <param name="TemperatureC">Core temperature in °C.</param>
/// <param name="SmClockMhz">Current SM clock in MHz.</param>
/// <param name="ClockEventReasonsMask">The raw 64-bit reasons mask.</param>
public sealed record NvidiaSmiSample(
    int Index,
    string Name,
    double? PowerDrawW,
    int? GpuUtilPct,
    int? MemoryUsedMib,
    int? TemperatureC,
    int? SmClockMhz,
    ulong? ClockEventReasonsMask)
{
    /// <summary>The known bits of <see cref="ClockEventReasonsMask"/> (bits NVML adds later are dropped here but stay
    /// in the raw mask).</summary>
    public ClockEventReasons? ClockEventReasons =>
        ClockEventReasonsMask is { } m ? (ClockEventReasons)(int)(m & 0x1FF) : null;
}

/// <summary>The nvidia-smi query EdgeBench runs, kept in one place so the parser and the caller cannot disagree on
/// the column order.</summary>
internal static class NvidiaSmiQuery
{
    /// <summary>Query fields, in the order <see cref="NvidiaSmiParser"/> expects them.</summary>
    public const string Fields =
        "index,name,power.draw,utilization.gpu,memory.used,temperature.gpu,clocks.sm,clocks_throttle_reasons.active";

    /// <summary>Number of fields in <see cref="Fields"/>.</summary>
    public const int FieldCount = 8;

    /// <summary>Full argument string: CSV without header and without units, one line per GPU.</summary>
    public const string Arguments = "--query-gpu=" + Fields + " --format=csv,noheader,nounits";
}

/// <summary>Pure parser for one line of <see cref="NvidiaSmiQuery.Arguments"/> output.</summary>
internal static class NvidiaSmiParser
{
    /// <summary>Parses e.g. <c>0, NVIDIA H200, 120.79, 0, 0, 35, 1980, 0x0000000000000001</c>. Never throws; false when
    /// the line does not have the expected fields or the index is not a number.</summary>
    public static bool TryParse(string? line, out NvidiaSmiSample? sample)
    {
        sample = null;
        if (string.IsNullOrWhiteSpace(line))
        {
            return false;
        }

        string[] parts = line.Split(',');
        if (parts.Length < NvidiaSmiQuery.FieldCount)
        {
            return false;
        }

        // nvidia-smi does not quote CSV values; a product name containing a comma would shift the columns, so the
        // fixed-position fields are taken from both ends and whatever lies between is the name.
        int tail = parts.Length - (NvidiaSmiQuery.FieldCount - 2);
        if (!int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return false;
        }

        string name = string.Join(',', parts[1..tail]).Trim();
        sample = new NvidiaSmiSample(
            index,
            name,
            ParseDouble(parts[tail]),
            ParseInt(parts[tail + 1]),
            ParseInt(parts[tail + 2]),
            ParseInt(parts[tail + 3]),
            ParseInt(parts[tail + 4]),
            ParseHex(parts[tail + 5]));
        return true;
    }

    // "[N/A]", "[Not Supported]", "[Unknown Error]", "[Insufficient Permissions]" all mean "no value".
    private static bool IsNoValue(string v) => v.Length == 0 || v[0] == '[' || v == "N/A";

    private static double? ParseDouble(string raw)
    {
        string v = raw.Trim();
        return !IsNoValue(v) && double.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double d)
            && double.IsFinite(d) ? d : null;
    }

    private static int? ParseInt(string raw)
    {
        string v = raw.Trim();
        if (IsNoValue(v))
        {
            return null;
        }

        if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int i))
        {
            return i;
        }

        // Some fields print a decimal on some drivers; round rather than lose the value.
        return double.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double d)
            && d is >= 0 and <= int.MaxValue ? (int)Math.Round(d) : null;
    }

    private static ulong? ParseHex(string raw)
    {
        string v = raw.Trim();
        if (v.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            v = v[2..];
        }

        return !IsNoValue(v) && ulong.TryParse(v, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong m)
            ? m : null;
    }
}
