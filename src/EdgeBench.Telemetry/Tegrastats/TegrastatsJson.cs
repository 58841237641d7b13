using System.Buffers;
using System.Text;
using System.Text.Json;

namespace EdgeBench.Telemetry.Tegrastats;

/// <summary>
/// Writes a <see cref="TegrastatsSample"/> as one compact JSON object (one per line in a log), with exactly the keys
/// <c>ram_used_mb</c>, <c>ram_total_mb</c>, <c>swap_used_mb</c>, <c>swap_total_mb</c>, <c>cpus</c>, <c>emc_pct</c>,
/// <c>gpu_pct</c>, <c>gpu_freq_mhz</c>, <c>temps_c</c>, <c>rails_mw</c> and <c>board_power_mw</c>; a field the line
/// lacks is <c>null</c>. Numbers go through <see cref="Utf8JsonWriter"/>, which is culture-invariant.
/// </summary>
internal static class TegrastatsJson
{
    /// <summary>Formats one sample; a null sample (unparseable line) is the JSON literal <c>null</c>.</summary>
    /// <remarks>
    /// <c>cpus</c> is null when the line has no CPU list, else one element per core, <c>null</c> for an offline core.
    /// <c>temps_c</c> and <c>rails_mw</c> are objects in line order (empty when the line has none); absent sensors
    /// (<c>-256</c>) are left out. A JSON object cannot hold a key twice, so a repeated rail name (AGX Orin prints
    /// <c>NC</c> twice) gets a <c>#2</c>, <c>#3</c>.. suffix; a repeated zone name likewise.
    /// </remarks>
    public static string Format(TegrastatsSample? sample)
    {
        if (sample is null)
        {
            return "null";
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            WriteNullable(w, "ram_used_mb", sample.RamUsedMb);
            WriteNullable(w, "ram_total_mb", sample.RamTotalMb);
            WriteNullable(w, "swap_used_mb", sample.SwapUsedMb);
            WriteNullable(w, "swap_total_mb", sample.SwapTotalMb);

            if (sample.Cpus.Count == 0)
            {
                w.WriteNull("cpus");
            }
            else
            {
                w.WriteStartArray("cpus");
                foreach (CpuCoreSample? core in sample.Cpus)
                {
                    if (core is not { } c)
                    {
                        w.WriteNullValue();
                        continue;
                    }

                    w.WriteStartObject();
                    w.WriteNumber("load_pct", c.LoadPct);
                    WriteNullable(w, "freq_mhz", c.FreqMhz);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            WriteNullable(w, "emc_pct", sample.EmcPct);
            WriteNullable(w, "gpu_pct", sample.GpuPct);
            WriteNullable(w, "gpu_freq_mhz", sample.GpuFreqMhz);

            w.WriteStartObject("temps_c");
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (TemperatureSample t in sample.Temperatures)
            {
                w.WriteNumber(UniqueKey(seen, t.Zone), t.CurrentC);
            }

            w.WriteEndObject();

            w.WriteStartObject("rails_mw");
            seen.Clear();
            foreach (RailSample r in sample.RailsMw)
            {
                w.WriteStartArray(UniqueKey(seen, r.Name));
                w.WriteNumberValue(r.CurrentMw);
                w.WriteNumberValue(r.AverageMw);
                w.WriteEndArray();
            }

            w.WriteEndObject();

            if (sample.BoardPowerMw is { } board)
            {
                w.WriteNumber("board_power_mw", board);
            }
            else
            {
                w.WriteNull("board_power_mw");
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string UniqueKey(Dictionary<string, int> seen, string name)
    {
        int count = seen.TryGetValue(name, out int c) ? c + 1 : 1;
        seen[name] = count;
        return count == 1 ? name : $"{name}#{count.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
