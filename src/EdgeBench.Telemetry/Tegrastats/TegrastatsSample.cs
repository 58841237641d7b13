namespace EdgeBench.Telemetry.Tegrastats;

/// <summary>One online CPU core in a tegrastats <c>CPU [..]</c> list.</summary>
/// <param name="LoadPct">Load in percent (tegrastats derives it from /proc/stat idle time).</param>
/// <param name="FreqMhz">Core clock in MHz; for the old <c>cpu [a%,b%]@f</c> form every core gets the shared
/// frequency; null when the entry printed no frequency.</param>
public readonly record struct CpuCoreSample(int LoadPct, int? FreqMhz);

/// <summary>One power rail token <c>NAME cur/avg[/max]</c> (with or without the <c>mW</c> suffix).</summary>
/// <param name="Name">Rail name exactly as printed (e.g. <c>VDD_IN</c>, <c>POM_5V_IN</c>, <c>NC</c>).</param>
/// <param name="CurrentMw">Instantaneous power in milliwatts.</param>
/// <param name="AverageMw">tegrastats' running average since <em>its process</em> started, in milliwatts (not a
/// per-benchmark average: compute your own from <see cref="CurrentMw"/>).</param>
/// <param name="MaxMw">Third value printed by JetPack 7.2 (maximum since start); null on older releases.</param>
public readonly record struct RailSample(string Name, int CurrentMw, int AverageMw, int? MaxMw);

/// <summary>One temperature token <c>zone@T C</c> or the JetPack 7.2 form <c>zone@cur C/max C</c>.</summary>
/// <param name="Zone">Zone name with its case preserved (JetPack 5 prints <c>CPU</c>, JetPack 6 <c>cpu</c>).</param>
/// <param name="CurrentC">Current temperature in degrees Celsius.</param>
/// <param name="MaxC">JetPack 7.2's second value (maximum); null on older releases.</param>
public readonly record struct TemperatureSample(string Zone, double CurrentC, double? MaxC);

/// <summary>A hardware engine token such as <c>APE 150</c>, <c>VIC_FREQ 115</c>, <c>NVDEC off</c>,
/// <c>NVENC 1%@115</c>, <c>NVENC0_FREQ @1556</c> or <c>GR3D2_FREQ 99%@1274</c>.</summary>
/// <param name="Name">Engine name as printed (suffix <c>_FREQ</c> kept).</param>
/// <param name="IsOff">True when the engine printed <c>off</c>.</param>
/// <param name="LoadPct">Load in percent where printed.</param>
/// <param name="FreqMhz">Clock in MHz where printed (a bare number such as <c>APE 150</c> is a clock).</param>
public readonly record struct EngineSample(string Name, bool IsOff, int? LoadPct, int? FreqMhz);

/// <summary>
/// Everything parsed from one tegrastats line. Every field is optional because every token may be missing in some
/// JetPack release or without root; a null means "not printed on this line".
/// </summary>
public sealed record TegrastatsSample
{
    /// <summary>The leading <c>MM-DD-YYYY HH:MM:SS</c> text (JetPack 5+), or null.</summary>
    public string? TimestampText { get; init; }

    /// <summary><see cref="TimestampText"/> as a local, unspecified-kind time; null if absent or not a valid date.</summary>
    public DateTime? Timestamp { get; init; }

    /// <summary>Used RAM in MB, as printed (the kernel's MiB-based values; not converted).</summary>
    public int? RamUsedMb { get; init; }

    /// <summary>Total RAM in MB, as printed.</summary>
    public int? RamTotalMb { get; init; }

    /// <summary>Number of free blocks of the largest free size (<c>lfb NxS</c>).</summary>
    public int? RamLfbBlocks { get; init; }

    /// <summary>Size of one largest-free block in kB (<c>4MB</c> → 4096, <c>512kB</c> → 512).</summary>
    public int? RamLfbBlockKb { get; init; }

    /// <summary>Used swap in MB; null when no swap is configured (no SWAP token).</summary>
    public int? SwapUsedMb { get; init; }

    /// <summary>Total swap in MB; null when no swap is configured.</summary>
    public int? SwapTotalMb { get; init; }

    /// <summary>Swap cache in MB (<c>(cached NMB)</c>).</summary>
    public int? SwapCachedMb { get; init; }

    /// <summary>Used IRAM in kB (TX1 and Nano only).</summary>
    public int? IramUsedKb { get; init; }

    /// <summary>Total IRAM in kB (TX1 and Nano only).</summary>
    public int? IramTotalKb { get; init; }

    /// <summary>Largest free IRAM block in kB.</summary>
    public int? IramLfbKb { get; init; }

    /// <summary>One entry per position of the CPU list, in core order; null for an <c>off</c> core (the index still
    /// matters because nvpmodel switches specific cores off). Empty when the line has no CPU list.</summary>
    public IReadOnlyList<CpuCoreSample?> Cpus { get; init; } = [];

    /// <summary>Memory-controller load in percent (<c>EMC_FREQ x%..</c> or old <c>EMC x%@f</c>); null for
    /// <c>EMC_FREQ @f</c> or when the token is absent (non-root Orin).</summary>
    public int? EmcPct { get; init; }

    /// <summary>EMC clock in MHz; null when not printed (non-root).</summary>
    public int? EmcFreqMhz { get; init; }

    /// <summary>GPU load in percent (<c>GR3D_FREQ x%..</c>, old <c>GR3D x%@f</c>); null when absent or when only
    /// <c>@[..]</c> is printed (Thor).</summary>
    public int? GpuPct { get; init; }

    /// <summary>GPU clock in MHz; for the per-GPC form <c>@[a,b]</c> the maximum element (jetson-stats' convention).</summary>
    public int? GpuFreqMhz { get; init; }

    /// <summary>Per-GPC clocks for the bracketed form <c>@[a,b,..]</c>; null for the plain forms.</summary>
    public IReadOnlyList<int>? GpuFreqPerGpcMhz { get; init; }

    /// <summary>Other engines (APE, VIC, NVENC, NVDEC, NVJPG, OFA, NVDLA, GR3D2_FREQ, ...), in line order.</summary>
    public IReadOnlyList<EngineSample> Engines { get; init; } = [];

    /// <summary>Denver/Carmel <c>MTS fg x%</c> foreground percentage (root only).</summary>
    public int? MtsForegroundPct { get; init; }

    /// <summary>Denver/Carmel <c>MTS .. bg y%</c> background percentage (root only).</summary>
    public int? MtsBackgroundPct { get; init; }

    /// <summary>Temperature readings in line order. Zones at the <c>-256</c> "sensor unavailable" sentinel are left out
    /// (see <see cref="AbsentSensors"/>). <c>PMIC</c> is kept although it is a constant (100 or 50 °C on every line of
    /// the releases that print it), because dropping data silently is worse; consumers can skip
    /// <see cref="TegrastatsParser.ConstantZones"/>.</summary>
    public IReadOnlyList<TemperatureSample> Temperatures { get; init; } = [];

    /// <summary>Zones printed with the <c>-256</c> sentinel (sensor unavailable or power-gated).</summary>
    public IReadOnlyList<string> AbsentSensors { get; init; } = [];

    /// <summary>Power rails in line order; duplicate names (AGX Orin's two <c>NC</c> rails) are kept as separate entries.</summary>
    public IReadOnlyList<RailSample> RailsMw { get; init; } = [];

    /// <summary>Whole-board power in mW: the current value of the input rail (<c>POM_5V_IN</c>, <c>VDD_IN</c> or
    /// <c>VIN</c>) where printed, else the sum of the current values of all rails; null when the line has no rails.
    /// A sum under-reads or mixes domains on some boards (AGX Orin has no input rail), so check
    /// <see cref="BoardPowerSource"/>.</summary>
    public long? BoardPowerMw { get; init; }

    /// <summary>How <see cref="BoardPowerMw"/> was obtained: the input rail's name (e.g. <c>VDD_IN</c>) or
    /// <c>sum of N rails</c>; null when there are no rails.</summary>
    public string? BoardPowerSource { get; init; }

    /// <summary>Tokens the parser did not recognise, in line order (new releases add tokens; never fatal).</summary>
    public IReadOnlyList<string> UnknownTokens { get; init; } = [];

    /// <summary>Temperatures as a zone → current °C map (first occurrence wins; absent sensors left out), built from
    /// <see cref="Temperatures"/> on each access (no cache, so a <c>with</c> copy can never show stale values).</summary>
    public IReadOnlyDictionary<string, double> TempsC
    {
        get
        {
            var map = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (TemperatureSample t in Temperatures)
            {
                map.TryAdd(t.Zone, t.CurrentC);
            }

            return map;
        }
    }
}
