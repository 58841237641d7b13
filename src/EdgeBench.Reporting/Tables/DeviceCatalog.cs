using EdgeBench.Reporting.Runs;

namespace EdgeBench.Reporting.Tables;

/// <summary>A device the catalog knows: what it costs and its peak compute, for FPS per dollar; where those numbers come from.</summary>
public sealed record CatalogDevice(string DeviceId, string Name, double? PriceUsd, double? PeakGflops, string Source, string SourceUrl = "");

/// <summary>
/// The committed device catalog (<c>results/devices.csv</c>: device_id,name,price_usd,peak_gflops,source,source_url;
/// source says what each number is, e.g. list price at launch, and source_url where it was published). A
/// run's device id matches an entry exactly or, failing that, the longest entry that is a prefix of it followed by
/// a dash, so <c>raspberry-pi-3-model-b</c> covers <c>raspberry-pi-3-model-b-rev-1-2</c>.
/// </summary>
public sealed class DeviceCatalog
{
    public const string FileName = "devices.csv";

    private readonly IReadOnlyList<CatalogDevice> _devices;

    public DeviceCatalog(IReadOnlyList<CatalogDevice> devices) => _devices = devices;

    public static DeviceCatalog Empty { get; } = new([]);

    public IReadOnlyList<CatalogDevice> Devices => _devices;

    public static DeviceCatalog Read(string path)
    {
        CsvTable table = CsvTable.Read(path, "a device catalog", "device_id", "name", "price_usd", "peak_gflops");
        return new DeviceCatalog(table.Rows.Select(r => new CatalogDevice(
            table.Get(r, "device_id"), table.Get(r, "name"), table.GetNumber(r, "price_usd"), table.GetNumber(r, "peak_gflops"),
            table.Get(r, "source"), table.Get(r, "source_url"))).ToArray());
    }

    public CatalogDevice? Find(string deviceId) =>
        _devices.FirstOrDefault(d => d.DeviceId == deviceId)
        ?? _devices
            .Where(d => d.DeviceId.Length > 0 && deviceId.StartsWith(d.DeviceId + "-", StringComparison.Ordinal))
            .OrderByDescending(d => d.DeviceId.Length)
            .FirstOrDefault();
}
