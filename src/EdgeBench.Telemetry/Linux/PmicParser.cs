using System.Globalization;

namespace EdgeBench.Telemetry.Linux;

/// <summary>One read of the Raspberry Pi 5 PMIC's ADC.</summary>
/// <param name="Channels">Every channel read, in the tool's order, named as printed (the rail plus <c>_A</c>, amperes,
/// or <c>_V</c>, volts; voltage-only rails such as EXT5V and BATT included): what the raw samples keep.</param>
/// <param name="BoardPowerW">Sum of V x I over the rails that have both a current and a voltage channel.</param>
/// <param name="PoweredRails">The rails that sum counts, in the order of their current channels.</param>
public sealed record PmicReading(IReadOnlyList<TelemetryChannel> Channels, double BoardPowerW, IReadOnlyList<string> PoweredRails);

/// <summary>
/// Parses <c>vcgencmd pmic_read_adc</c> (Raspberry Pi 5): one channel a line, right-aligned,
/// <c>   VDD_CORE_A current(7)=2.86000000A</c> or <c>   VDD_CORE_V volt(15)=0.82800000V</c>. The channel numbers in
/// brackets differ between firmware releases, so rails are matched by name (<c>VDD_CORE</c> = the name less its
/// <c>_A</c>/<c>_V</c>); the number is ignored. Pure: takes the text, not the tool.
/// </summary>
internal static class PmicParser
{
    /// <summary>Reads every channel line; false when there is none (a Pi 4's firmware answers
    /// <c>error=1 error_msg="Command not registered"</c>) or no rail has both a current and a voltage, since then there
    /// is no power to report. Lines that are not channels, and channels whose value is not a finite number (a BATT_V
    /// of <c>nanV</c> has been seen), are left out.</summary>
    public static bool TryParse(string? text, out PmicReading reading)
    {
        reading = new PmicReading([], 0, []);
        if (text is null)
        {
            return false;
        }

        var channels = new List<TelemetryChannel>();
        var amps = new Dictionary<string, double>(StringComparer.Ordinal);
        var volts = new Dictionary<string, double>(StringComparer.Ordinal);
        var railOrder = new List<string>();
        foreach (string line in text.Split('\n'))
        {
            if (!TryParseLine(line, out string rail, out bool isCurrent, out double value))
            {
                continue;
            }

            Dictionary<string, double> kind = isCurrent ? amps : volts;
            if (!kind.TryAdd(rail, value))
            {
                // A channel printed twice is not a firmware we know; the first reading stands.
                continue;
            }

            channels.Add(new TelemetryChannel(rail + (isCurrent ? "_A" : "_V"), value));
            if (isCurrent)
            {
                railOrder.Add(rail);
            }
        }

        double watts = 0;
        var powered = new List<string>();
        foreach (string rail in railOrder)
        {
            if (volts.TryGetValue(rail, out double v))
            {
                watts += v * amps[rail];
                powered.Add(rail);
            }
        }

        if (powered.Count == 0)
        {
            return false;
        }

        reading = new PmicReading(channels, watts, powered);
        return true;
    }

    // "<RAIL>_A current(<n>)=<amps>A" or "<RAIL>_V volt(<n>)=<volts>V", leading spaces for the right alignment.
    private static bool TryParseLine(string line, out string rail, out bool isCurrent, out double value)
    {
        rail = string.Empty;
        isCurrent = false;
        value = 0;
        ReadOnlySpan<char> s = line.AsSpan().Trim();
        int space = s.IndexOf(' ');
        int equals = s.IndexOf('=');
        if (space < 3 || equals < space || s.Length < equals + 3)
        {
            return false;
        }

        ReadOnlySpan<char> name = s[..space];
        ReadOnlySpan<char> kind = s[(space + 1)..equals].TrimStart();
        char unit = s[^1];
        if (name.EndsWith("_A") && kind.StartsWith("current(") && kind.EndsWith(")") && unit == 'A')
        {
            isCurrent = true;
        }
        else if (!(name.EndsWith("_V") && kind.StartsWith("volt(") && kind.EndsWith(")") && unit == 'V'))
        {
            return false;
        }

        if (!double.TryParse(s[(equals + 1)..^1], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            return false;
        }

        rail = name[..^2].ToString();
        return true;
    }
}
