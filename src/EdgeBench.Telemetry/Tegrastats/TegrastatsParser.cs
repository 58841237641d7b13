using System.Globalization;

namespace EdgeBench.Telemetry.Tegrastats;

/// <summary>
/// Pure parser for one line of <c>tegrastats</c> output, from L4T R24 (TX1) to JetPack 7.2 (Thor), as NVIDIA's Jetson
/// Linux Developer Guide documents it and the captured lines in tests/EdgeBench.Tests/TestData/tegrastats show it;
/// an independent token-based implementation (no regexes, nothing taken from jetson-stats).
/// </summary>
/// <remarks>
/// The line is split on runs of whitespace and walked token by token. Keyword tokens (<c>RAM</c>, <c>SWAP</c>,
/// <c>IRAM</c>, <c>CPU</c>/<c>cpu</c>, <c>EMC_FREQ</c>/<c>EMC</c>, <c>GR3D_FREQ</c>/<c>GR3D</c>, <c>MTS</c>) consume
/// the value tokens that follow them only when those values have the expected shape; otherwise the parser falls
/// through to the generic forms, because the same word can be a rail name (AGX Xavier prints <c>CPU 466/466</c>
/// next to <c>CPU [..]</c>). Generic forms: <c>zone@T C</c> temperatures, <c>NAME cur/avg[/max]</c> rails (a name
/// alone is never a rail), and <c>NAME value</c> engines. Anything else is kept in
/// <see cref="TegrastatsSample.UnknownTokens"/>.
/// </remarks>
internal static class TegrastatsParser
{
    /// <summary>Rails that measure the whole board's input, in order of preference (NVIDIA, jetson_stats#51: do not
    /// add the other rails to these).</summary>
    internal static readonly IReadOnlyList<string> InputRailNames = ["POM_5V_IN", "VDD_IN", "VIN"];

    /// <summary>Zones whose value is a constant on the releases that print them (<c>PMIC@100C</c>, <c>PMIC@50C</c>);
    /// kept by the parser, skip them when looking for a real reading.</summary>
    internal static readonly IReadOnlyList<string> ConstantZones = ["PMIC"];

    /// <summary>tegrastats prints this temperature when a sensor is unavailable or power-gated.</summary>
    internal const double AbsentSensorC = -256;

    /// <summary>Parses one line. Never throws; returns false when no recognisable field (RAM, SWAP, IRAM, CPU, EMC,
    /// GPU, MTS, a temperature or a rail) was found, e.g. for a <c>date</c> line a logging script added.</summary>
    public static bool TryParse(string? line, out TegrastatsSample sample) => TryParse(line.AsSpan(), out sample);

    /// <inheritdoc cref="TryParse(string?, out TegrastatsSample)"/>
    public static bool TryParse(ReadOnlySpan<char> line, out TegrastatsSample sample)
    {
        List<string> tokens = Tokenise(line);
        var state = new ParseState();
        int i = 0;

        // Timestamp prefix (JetPack 5+): stripped before key matching so its digits are never taken for a value.
        if (tokens.Count >= 2 && IsDateShape(tokens[0]) && IsTimeShape(tokens[1]))
        {
            state.TimestampText = tokens[0] + " " + tokens[1];
            if (DateTime.TryParseExact(state.TimestampText, "MM-dd-yyyy HH:mm:ss", CultureInfo.InvariantCulture,
                    DateTimeStyles.None, out DateTime ts))
            {
                state.Timestamp = ts;
            }

            i = 2;
        }

        while (i < tokens.Count)
        {
            int consumed = TryKeyword(tokens, i, state);
            if (consumed == 0)
            {
                consumed = TryTemperature(tokens[i], state);
            }

            if (consumed == 0)
            {
                consumed = TryRail(tokens, i, state);
            }

            if (consumed == 0)
            {
                consumed = TryEngine(tokens, i, state);
            }

            if (consumed == 0)
            {
                state.Unknown.Add(tokens[i]);
                consumed = 1;
            }

            i += consumed;
        }

        if (!state.Recognised)
        {
            sample = new TegrastatsSample { UnknownTokens = state.Unknown };
            return false;
        }

        (long? boardPower, string? boardSource) = BoardPower(state.Rails);
        sample = new TegrastatsSample
        {
            TimestampText = state.TimestampText,
            Timestamp = state.Timestamp,
            RamUsedMb = state.RamUsedMb,
            RamTotalMb = state.RamTotalMb,
            RamLfbBlocks = state.RamLfbBlocks,
            RamLfbBlockKb = state.RamLfbBlockKb,
            SwapUsedMb = state.SwapUsedMb,
            SwapTotalMb = state.SwapTotalMb,
            SwapCachedMb = state.SwapCachedMb,
            IramUsedKb = state.IramUsedKb,
            IramTotalKb = state.IramTotalKb,
            IramLfbKb = state.IramLfbKb,
            Cpus = state.Cpus,
            EmcPct = state.EmcPct,
            EmcFreqMhz = state.EmcFreqMhz,
            GpuPct = state.GpuPct,
            GpuFreqMhz = state.GpuFreqMhz,
            GpuFreqPerGpcMhz = state.GpuFreqPerGpcMhz,
            Engines = state.Engines,
            MtsForegroundPct = state.MtsFg,
            MtsBackgroundPct = state.MtsBg,
            Temperatures = state.Temperatures,
            AbsentSensors = state.AbsentSensors,
            RailsMw = state.Rails,
            BoardPowerMw = boardPower,
            BoardPowerSource = boardSource,
            UnknownTokens = state.Unknown,
        };
        return true;
    }

    /// <summary>Board power rule: the input rail if printed, else the sum of all rails (see
    /// <see cref="TegrastatsSample.BoardPowerMw"/>).</summary>
    internal static (long? PowerMw, string? Source) BoardPower(IReadOnlyList<RailSample> rails)
    {
        foreach (string input in InputRailNames)
        {
            foreach (RailSample rail in rails)
            {
                if (string.Equals(rail.Name, input, StringComparison.Ordinal))
                {
                    return (rail.CurrentMw, input);
                }
            }
        }

        if (rails.Count == 0)
        {
            return (null, null);
        }

        // Rail values are int-sized, so a long sum of at most a few thousand of them cannot overflow.
        long sum = 0;
        foreach (RailSample rail in rails)
        {
            sum += rail.CurrentMw;
        }

        return (sum, rails.Count == 1 ? "sum of 1 rail" : $"sum of {rails.Count.ToString(CultureInfo.InvariantCulture)} rails");
    }

    private static List<string> Tokenise(ReadOnlySpan<char> line)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
            {
                i++;
            }

            int start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
            {
                i++;
            }

            if (i > start)
            {
                tokens.Add(line[start..i].ToString());
            }
        }

        return tokens;
    }

    // Returns the number of tokens consumed (0 = not this keyword or value of the wrong shape).
    private static int TryKeyword(List<string> tokens, int i, ParseState state)
    {
        string key = tokens[i];
        string? value = i + 1 < tokens.Count ? tokens[i + 1] : null;
        if (value is null)
        {
            return 0;
        }

        switch (key)
        {
            case "RAM":
                return ParseRam(tokens, i, state);
            case "SWAP":
                return ParseSwap(tokens, i, state);
            case "IRAM":
                return ParseIram(tokens, i, state);
            case "CPU":
            case "cpu":
                return ParseCpuList(value, state) ? 2 : 0;
            case "EMC_FREQ":
            case "EMC":
                if (TryLoadFreq(value, out int? emcPct, out int? emcFreq, out _))
                {
                    state.EmcPct = emcPct;
                    state.EmcFreqMhz = emcFreq;
                    state.Recognised = true;
                    return 2;
                }

                return 0;
            case "GR3D_FREQ":
            case "GR3D":
                if (TryLoadFreq(value, out int? gpuPct, out int? gpuFreq, out IReadOnlyList<int>? perGpc))
                {
                    state.GpuPct = gpuPct;
                    state.GpuFreqMhz = gpuFreq;
                    state.GpuFreqPerGpcMhz = perGpc;
                    state.Recognised = true;
                    return 2;
                }

                return 0;
            case "MTS":
                // MTS fg x% bg y% (Denver/Carmel, root). jetson-stats reports bg = fg by mistake; we read both.
                if (i + 4 < tokens.Count && tokens[i + 1] == "fg" && tokens[i + 3] == "bg"
                    && TryPercent(tokens[i + 2], out int fg) && TryPercent(tokens[i + 4], out int bg))
                {
                    state.MtsFg = fg;
                    state.MtsBg = bg;
                    state.Recognised = true;
                    return 5;
                }

                return 0;
            default:
                return 0;
        }
    }

    private static int ParseRam(List<string> tokens, int i, ParseState state)
    {
        if (!TryUsedTotal(tokens[i + 1], "MB", out int used, out int total))
        {
            return 0;
        }

        state.RamUsedMb = used;
        state.RamTotalMb = total;
        state.Recognised = true;

        // Optional "(lfb NxS)" where S is 4MB/2MB/1MB or 512kB.
        if (i + 3 < tokens.Count && tokens[i + 2] == "(lfb" && tokens[i + 3].EndsWith(')'))
        {
            ReadOnlySpan<char> lfb = tokens[i + 3].AsSpan(0, tokens[i + 3].Length - 1);
            int x = lfb.IndexOf('x');
            if (x > 0 && TryInt(lfb[..x], out int blocks) && TryKb(lfb[(x + 1)..], out int blockKb))
            {
                state.RamLfbBlocks = blocks;
                state.RamLfbBlockKb = blockKb;
                return 4;
            }
        }

        return 2;
    }

    private static int ParseSwap(List<string> tokens, int i, ParseState state)
    {
        if (!TryUsedTotal(tokens[i + 1], "MB", out int used, out int total))
        {
            return 0;
        }

        state.SwapUsedMb = used;
        state.SwapTotalMb = total;
        state.Recognised = true;
        if (i + 3 < tokens.Count && tokens[i + 2] == "(cached" && tokens[i + 3].EndsWith("MB)", StringComparison.Ordinal)
            && TryInt(tokens[i + 3].AsSpan(0, tokens[i + 3].Length - 3), out int cached))
        {
            state.SwapCachedMb = cached;
            return 4;
        }

        return 2;
    }

    private static int ParseIram(List<string> tokens, int i, ParseState state)
    {
        // Real output has no space before "(lfb": "IRAM 0/252kB(lfb 252kB)"; accept the spaced form too.
        string value = tokens[i + 1];
        int consumed = 2;
        bool lfbFollows = false;
        if (value.EndsWith("(lfb", StringComparison.Ordinal))
        {
            value = value[..^4];
            lfbFollows = true;
        }
        else if (i + 2 < tokens.Count && tokens[i + 2] == "(lfb")
        {
            lfbFollows = true;
            consumed = 3;
        }

        if (!TryUsedTotal(value, "kB", out int used, out int total))
        {
            return 0;
        }

        state.IramUsedKb = used;
        state.IramTotalKb = total;
        state.Recognised = true;
        int next = i + consumed;
        if (lfbFollows && next < tokens.Count && tokens[next].EndsWith("kB)", StringComparison.Ordinal)
            && TryInt(tokens[next].AsSpan(0, tokens[next].Length - 3), out int lfb))
        {
            state.IramLfbKb = lfb;
            consumed++;
        }

        return consumed;
    }

    // "[a%@f,off,..]" (R28.2+) or "[a%,b%,..]@f" (R24/R28.1, one shared frequency).
    private static bool ParseCpuList(string value, ParseState state)
    {
        if (value.Length < 2 || value[0] != '[')
        {
            return false;
        }

        int close = value.IndexOf(']', StringComparison.Ordinal);
        if (close < 0)
        {
            return false;
        }

        int? sharedFreq = null;
        ReadOnlySpan<char> tail = value.AsSpan(close + 1);
        if (!tail.IsEmpty)
        {
            if (tail[0] != '@' || !TryInt(tail[1..], out int f))
            {
                return false;
            }

            sharedFreq = f;
        }

        ReadOnlySpan<char> body = value.AsSpan(1, close - 1);
        var cores = new List<CpuCoreSample?>();
        foreach (Range r in body.Split(','))
        {
            ReadOnlySpan<char> entry = body[r];
            if (entry.SequenceEqual("off"))
            {
                cores.Add(null);
                continue;
            }

            int at = entry.IndexOf('@');
            ReadOnlySpan<char> load = at < 0 ? entry : entry[..at];
            if (!TryPercent(load, out int pct))
            {
                return false;
            }

            int? freq = sharedFreq;
            if (at >= 0)
            {
                if (!TryInt(entry[(at + 1)..], out int coreFreq))
                {
                    return false;
                }

                freq = coreFreq;
            }

            cores.Add(new CpuCoreSample(pct, freq));
        }

        if (cores.Count == 0)
        {
            return false;
        }

        state.Cpus = cores;
        state.Recognised = true;
        return true;
    }

    // "zone@T C" or JetPack 7.2 "zone@curC/maxC"; T may be negative and have decimals.
    private static int TryTemperature(string token, ParseState state)
    {
        int at = token.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || !IsName(token.AsSpan(0, at)))
        {
            return 0;
        }

        ReadOnlySpan<char> rest = token.AsSpan(at + 1);
        int slash = rest.IndexOf('/');
        ReadOnlySpan<char> cur = slash < 0 ? rest : rest[..slash];
        if (!TryCelsius(cur, out double current))
        {
            return 0;
        }

        double? max = null;
        if (slash >= 0)
        {
            if (!TryCelsius(rest[(slash + 1)..], out double m))
            {
                return 0;
            }

            max = m;
        }

        string zone = token[..at];
        state.Recognised = true;
        if (current == AbsentSensorC)
        {
            state.AbsentSensors.Add(zone);
        }
        else
        {
            state.Temperatures.Add(new TemperatureSample(zone, current, max));
        }

        return 1;
    }

    // "NAME cur/avg" or "NAME cur/avg/max", each value with an optional "mW"; a bare name is never a rail.
    private static int TryRail(List<string> tokens, int i, ParseState state)
    {
        if (i + 1 >= tokens.Count || !IsName(tokens[i]))
        {
            return 0;
        }

        ReadOnlySpan<char> value = tokens[i + 1];
        Span<Range> parts = stackalloc Range[4];
        int n = value.Split(parts, '/');
        if (n is < 2 or > 3)
        {
            return 0;
        }

        Span<int> mw = stackalloc int[3];
        for (int k = 0; k < n; k++)
        {
            ReadOnlySpan<char> part = value[parts[k]];
            if (part.EndsWith("mW"))
            {
                part = part[..^2];
            }

            if (!TryInt(part, out mw[k]))
            {
                return 0;
            }
        }

        state.Rails.Add(new RailSample(tokens[i], mw[0], mw[1], n == 3 ? mw[2] : null));
        state.Recognised = true;
        return 2;
    }

    // Upper-case "NAME value" where value is off, a bare MHz, x%, x%@f, @f or the bracketed forms. Engines alone do
    // not make a line recognisable: "UTC 2026" in a `date` line has the same shape.
    private static int TryEngine(List<string> tokens, int i, ParseState state)
    {
        if (i + 1 >= tokens.Count || !IsUpperName(tokens[i]))
        {
            return 0;
        }

        string value = tokens[i + 1];
        if (value == "off")
        {
            state.Engines.Add(new EngineSample(tokens[i], true, null, null));
            return 2;
        }

        if (TryInt(value, out int bare))
        {
            state.Engines.Add(new EngineSample(tokens[i], false, null, bare));
            return 2;
        }

        if (TryLoadFreq(value, out int? pct, out int? freq, out _))
        {
            state.Engines.Add(new EngineSample(tokens[i], false, pct, freq));
            return 2;
        }

        return 0;
    }

    // x% | x%@f | x%@[f,..] | @f | @[f,..]. For the array form, freq = max element.
    private static bool TryLoadFreq(ReadOnlySpan<char> value, out int? pct, out int? freq, out IReadOnlyList<int>? perGpc)
    {
        pct = null;
        freq = null;
        perGpc = null;
        int at = value.IndexOf('@');
        ReadOnlySpan<char> load = at < 0 ? value : value[..at];
        if (!load.IsEmpty)
        {
            if (!TryPercent(load, out int p))
            {
                return false;
            }

            pct = p;
        }

        if (at < 0)
        {
            return pct.HasValue;
        }

        ReadOnlySpan<char> f = value[(at + 1)..];
        if (f.Length >= 2 && f[0] == '[' && f[^1] == ']')
        {
            ReadOnlySpan<char> body = f[1..^1];
            var list = new List<int>();
            foreach (Range r in body.Split(','))
            {
                if (!TryInt(body[r], out int g))
                {
                    return false;
                }

                list.Add(g);
            }

            perGpc = list;
            freq = list.Max();
            return true;
        }

        if (!TryInt(f, out int single))
        {
            return false;
        }

        freq = single;
        return true;
    }

    private static bool TryUsedTotal(ReadOnlySpan<char> value, string unit, out int used, out int total)
    {
        used = 0;
        total = 0;
        if (!value.EndsWith(unit, StringComparison.Ordinal))
        {
            return false;
        }

        value = value[..^unit.Length];
        int slash = value.IndexOf('/');
        return slash > 0 && TryInt(value[..slash], out used) && TryInt(value[(slash + 1)..], out total);
    }

    private static bool TryKb(ReadOnlySpan<char> value, out int kb)
    {
        kb = 0;
        if (value.EndsWith("MB") && TryInt(value[..^2], out int mb) && mb <= int.MaxValue / 1024)
        {
            kb = mb * 1024;
            return true;
        }

        return value.EndsWith("kB") && TryInt(value[..^2], out kb);
    }

    private static bool TryPercent(ReadOnlySpan<char> value, out int pct)
    {
        pct = 0;
        return value.Length >= 2 && value[^1] == '%' && TryInt(value[..^1], out pct);
    }

    private static bool TryCelsius(ReadOnlySpan<char> value, out double celsius)
    {
        celsius = 0;
        return value.Length >= 2 && value[^1] == 'C' && TryDecimal(value[..^1], out celsius);
    }

    // Digits only: no sign, no spaces, no thousands separators; overflow fails instead of wrapping.
    private static bool TryInt(ReadOnlySpan<char> value, out int result)
    {
        result = 0;
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result);
    }

    // [-]digits[.digits], checked by hand so "NaN", "Infinity" and exponents never reach double.TryParse, and
    // capped so a 400-digit value (which double.TryParse turns into infinity) is rejected.
    private static bool TryDecimal(ReadOnlySpan<char> value, out double result)
    {
        result = 0;
        ReadOnlySpan<char> digits = value.StartsWith('-') ? value[1..] : value;
        if (digits.IsEmpty || digits.Length > 32 || !char.IsAsciiDigit(digits[0]) || !char.IsAsciiDigit(digits[^1]))
        {
            return false;
        }

        bool dot = false;
        foreach (char c in digits)
        {
            if (c == '.')
            {
                if (dot)
                {
                    return false;
                }

                dot = true;
            }
            else if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return double.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture, out result) && double.IsFinite(result);
    }

    // Rail and zone names: a letter or '_' then letters, digits, '_' (Thor zones such as soc012 included).
    private static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsUpperName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !char.IsAsciiLetterUpper(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    // MM-DD-YYYY
    private static bool IsDateShape(string t) =>
        t.Length == 10 && t[2] == '-' && t[5] == '-' && AllDigits(t.AsSpan(0, 2)) && AllDigits(t.AsSpan(3, 2))
        && AllDigits(t.AsSpan(6, 4));

    // HH:MM:SS
    private static bool IsTimeShape(string t) =>
        t.Length == 8 && t[2] == ':' && t[5] == ':' && AllDigits(t.AsSpan(0, 2)) && AllDigits(t.AsSpan(3, 2))
        && AllDigits(t.AsSpan(6, 2));

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class ParseState
    {
        public bool Recognised { get; set; }

        public string? TimestampText { get; set; }

        public DateTime? Timestamp { get; set; }

        public int? RamUsedMb { get; set; }

        public int? RamTotalMb { get; set; }

        public int? RamLfbBlocks { get; set; }

        public int? RamLfbBlockKb { get; set; }

        public int? SwapUsedMb { get; set; }

        public int? SwapTotalMb { get; set; }

        public int? SwapCachedMb { get; set; }

        public int? IramUsedKb { get; set; }

        public int? IramTotalKb { get; set; }

        public int? IramLfbKb { get; set; }

        public IReadOnlyList<CpuCoreSample?> Cpus { get; set; } = [];

        public int? EmcPct { get; set; }

        public int? EmcFreqMhz { get; set; }

        public int? GpuPct { get; set; }

        public int? GpuFreqMhz { get; set; }

        public IReadOnlyList<int>? GpuFreqPerGpcMhz { get; set; }

        public int? MtsFg { get; set; }

        public int? MtsBg { get; set; }

        public List<EngineSample> Engines { get; } = [];

        public List<TemperatureSample> Temperatures { get; } = [];

        public List<string> AbsentSensors { get; } = [];

        public List<RailSample> Rails { get; } = [];

        public List<string> Unknown { get; } = [];
    }
}
