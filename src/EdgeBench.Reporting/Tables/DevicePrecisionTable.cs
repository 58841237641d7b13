using System.Globalization;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Reporting.Tables;

/// <summary>
/// One device x model of the precision view: the fastest end-to-end case in each precision (any pipeline, batch and
/// backend), so "fp16 helps here, hurts there" reads across devices. Null where the device has no case in that precision.
/// </summary>
public sealed record DevicePrecisionRow(string DeviceId, string Model, IReadOnlyDictionary<string, DeviceMeasurement?> Best)
{
    public double? Fps(string precision) => Best.GetValueOrDefault(precision)?.Row.Fps;

    /// <summary>Best FPS in <paramref name="precision"/> over best FPS in fp32: above 1, the lower precision is faster here.</summary>
    public double? SpeedOverFp32(string precision) =>
        Fps(precision) is double p && Fps(DevicePrecisionTable.Reference) is double reference && reference > 0 ? p / reference : null;
}

/// <summary>Builds the precision view of <c>report devices</c> from the same measurements as the device table.</summary>
public static class DevicePrecisionTable
{
    /// <summary>The precision the others are compared with.</summary>
    public const string Reference = "fp32";

    /// <summary>The precisions present, in the order fp32, fp16, int8, then any other by name.</summary>
    public static IReadOnlyList<string> Precisions(IReadOnlyList<DeviceMeasurements> devices)
    {
        string[] known = [Reference, "fp16", "int8"];
        string[] present = devices.SelectMany(d => d.Cases).Select(c => c.Row.Precision).Where(p => p.Length > 0).Distinct().ToArray();
        return [.. known.Where(present.Contains), .. present.Except(known).Order(StringComparer.Ordinal)];
    }

    public static IReadOnlyList<DevicePrecisionRow> Build(IReadOnlyList<DeviceMeasurements> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        IReadOnlyList<string> precisions = Precisions(devices);
        var rows = new List<DevicePrecisionRow>();
        foreach (DeviceMeasurements device in devices)
        {
            foreach (string model in device.Cases.Select(c => c.Row.Model).Distinct().Order(StringComparer.Ordinal))
            {
                var best = precisions.ToDictionary(p => p, p => device.Cases
                    .Where(c => c.Row.Model == model && c.Row.Precision == p && DevicesTable.Ranks(c.Row)).MaxBy(c => c.Row.Fps));
                rows.Add(new DevicePrecisionRow(device.DeviceId, model, best));
            }
        }

        return rows;
    }

    public static ReportTable ToTable(IReadOnlyList<DevicePrecisionRow> rows, IReadOnlyList<string> precisions)
    {
        string[] others = precisions.Where(p => p != Reference).ToArray();
        var headers = new List<string> { "device", "model" };
        var csvHeaders = new List<string> { "device_id", "model" };
        foreach (string precision in precisions)
        {
            headers.Add($"{precision} FPS");
            headers.Add($"{precision} pipeline");
            csvHeaders.Add($"{precision}_fps");
            csvHeaders.Add($"{precision}_stage");
            csvHeaders.Add($"{precision}_batch");
            csvHeaders.Add($"{precision}_backend");
            csvHeaders.Add($"{precision}_ep");
            csvHeaders.Add($"{precision}_run_id");
        }

        foreach (string precision in others)
        {
            headers.Add($"{precision}/{Reference} speed");
            csvHeaders.Add($"{precision}_over_{Reference}");
        }

        var cells = new List<IReadOnlyList<string>>();
        var csv = new List<IReadOnlyList<string>>();
        foreach (DevicePrecisionRow row in rows)
        {
            var line = new List<string> { row.DeviceId, row.Model };
            var csvLine = new List<string> { row.DeviceId, row.Model };
            foreach (string precision in precisions)
            {
                ResultRow? best = row.Best.GetValueOrDefault(precision)?.Row;
                line.Add(best is null ? DevicesTable.AbsentText : Cells.Number(best.Fps));
                line.Add(best is null ? DevicesTable.AbsentText : $"{best.Stage} b{best.Batch} {best.Backend}/{best.Ep}");
                csvLine.Add(Cells.Raw(best?.Fps));
                csvLine.Add(best?.Stage ?? string.Empty);
                csvLine.Add(best?.Batch.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
                csvLine.Add(best?.Backend ?? string.Empty);
                csvLine.Add(best?.Ep ?? string.Empty);
                csvLine.Add(row.Best.GetValueOrDefault(precision)?.Run.RunId ?? string.Empty);
            }

            foreach (string precision in others)
            {
                line.Add(row.SpeedOverFp32(precision) is double ratio ? Cells.Fixed(ratio, 2) + "x" : "n/a");
                csvLine.Add(Cells.Raw(row.SpeedOverFp32(precision)));
            }

            cells.Add(line);
            csv.Add(csvLine);
        }

        return new ReportTable(headers, cells, csvHeaders, csv);
    }
}
