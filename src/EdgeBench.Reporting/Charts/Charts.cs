using System.Globalization;
using System.Text.RegularExpressions;
using EdgeBench.Reporting.Tables;
using ScottPlot;

namespace EdgeBench.Reporting.Charts;

/// <summary>How a chart's value axis maps numbers to height.</summary>
public enum AxisScale
{
    Linear,

    /// <summary>Decades of equal height: bars 100x apart both stay readable; the labels keep the real values.</summary>
    Log10,
}

/// <summary>Data of a grouped bar chart: one group per label, one bar per series; null = absent (no bar, a note).</summary>
public sealed record GroupedBars(string Title, string ValueLabel, IReadOnlyList<string> Groups, IReadOnlyList<string> Series,
    IReadOnlyList<IReadOnlyList<double?>> Values)
{
    public AxisScale Scale { get; init; } = AxisScale.Linear;

    /// <summary>The text on each bar; <see cref="Cells.Number"/> unless set.</summary>
    public Func<double, string>? BarLabel { get; init; }

    /// <summary>A grey line across the chart at this value (e.g. 1.0 on a ratio chart), or none.</summary>
    public double? ReferenceLine { get; init; }

    /// <summary>The largest bar over the smallest (positive) one; null with fewer than one positive bar.</summary>
    public double? Spread => ChartScale.Spread(Values.SelectMany(v => v));
}

/// <summary>Chooses a bar chart's axis from its data and says which in the caption.</summary>
public static class ChartScale
{
    /// <summary>
    /// From this spread of the largest over the smallest bar, the axis is logarithmic: on a linear axis the smallest
    /// bar would be under 5% of the chart's height, too short to read or compare.
    /// </summary>
    public const double LogFromSpread = 20;

    public static double? Spread(IEnumerable<double?> values)
    {
        double[] positive = values.Where(v => v is > 0 && double.IsFinite(v.Value)).Select(v => v!.Value).ToArray();
        return positive.Length == 0 ? null : positive.Max() / positive.Min();
    }

    public static AxisScale Choose(IEnumerable<double?> values) => Spread(values) is >= LogFromSpread ? AxisScale.Log10 : AxisScale.Linear;

    /// <summary>The chart with the axis its data needs.</summary>
    public static GroupedBars Scaled(GroupedBars chart) => chart with { Scale = Choose(chart.Values.SelectMany(v => v)) };

    /// <summary>One sentence for the report under the chart: which axis, and why.</summary>
    public static string Caption(GroupedBars chart)
    {
        string spread = chart.Spread is double s ? Cells.Number(s) + "x" : "n/a";
        return chart.Scale == AxisScale.Log10
            ? $"Logarithmic value axis (each gridline 10x the one below), chosen because the largest bar is {spread} the smallest; the labels on the bars are the real values."
            : $"Linear value axis from zero (the largest bar is {spread} the smallest; a log axis is chosen from {Cells.Number(LogFromSpread)}x).";
    }
}

/// <summary>A point of a scatter chart.</summary>
public sealed record LabelledPoint(string Series, string Label, double X, double Y);

/// <summary>
/// Renders the report charts with ScottPlot to PNG and SVG. Same data, same files: sizes, colours and order are
/// fixed, nothing depends on the time or the culture.
/// </summary>
public static class ChartRenderer
{
    private const int Width = 1000;
    private const int Height = 560;

    /// <summary>Writes <paramref name="pathWithoutExtension"/>.png and .svg; returns both paths.</summary>
    public static IReadOnlyList<string> Save(Plot plot, string pathWithoutExtension)
    {
        string png = pathWithoutExtension + ".png", svg = pathWithoutExtension + ".svg";
        // Tick labels are formatted while rendering, in the current culture: render in the invariant one so a chart
        // drawn on a de-DE desktop reads 0.5, like the tables.
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            plot.SavePng(png, Width, Height);
            File.WriteAllText(svg, StableIds(plot.GetSvgHtml(Width, Height)));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        return [png, svg];
    }

    /// <summary>
    /// ScottPlot numbers SVG clip paths from a process-wide counter, so the same chart drawn twice differs in its
    /// ids; renumbering them in order of appearance makes the file depend on the data only.
    /// </summary>
    internal static string StableIds(string svg)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        return s_clipId.Replace(svg, m =>
        {
            if (!ids.TryGetValue(m.Value, out string? stable))
            {
                stable = "cl_" + ids.Count.ToString(CultureInfo.InvariantCulture);
                ids.Add(m.Value, stable);
            }

            return stable;
        });
    }

    private static readonly Regex s_clipId = new(@"\bcl_[0-9a-fA-F]+\b", RegexOptions.CultureInvariant);

    public static Plot Bars(GroupedBars chart)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int seriesCount = Math.Max(1, chart.Series.Count);
        double barWidth = 0.8 / seriesCount;
        var bars = new List<Bar>();
        Func<double, string> label = chart.BarLabel ?? (v => Cells.Number(v));
        bool log = chart.Scale == AxisScale.Log10;
        double[] present = chart.Values.SelectMany(v => v).Where(v => v is > 0 || (!log && v is not null)).Select(v => v!.Value).ToArray();
        double max = present.DefaultIfEmpty(1).Max();
        // On a log axis bars grow from the decade below the smallest value, not from zero (log 0 does not exist); heights
        // are decades above that floor, so every bar is positive and ScottPlot puts its label on top.
        double floorDecade = log ? Math.Floor(Math.Log10(present.DefaultIfEmpty(1).Min())) : 0;
        double topDecade = log ? Math.Max(floorDecade + 1, Math.Ceiling(Math.Log10(max))) : 0;
        double Height(double value) => log ? Math.Log10(value) - floorDecade : value;
        double absentY = log ? (topDecade - floorDecade) * 0.02 : max * 0.02;
        for (int s = 0; s < chart.Series.Count; s++)
        {
            for (int g = 0; g < chart.Groups.Count; g++)
            {
                double position = g + (s - (seriesCount - 1) / 2.0) * barWidth;
                if (chart.Values[s][g] is double value && (!log || value > 0))
                {
                    bars.Add(new Bar
                    {
                        Position = position,
                        Value = Height(value),
                        Size = barWidth * 0.95,
                        FillColor = palette.GetColor(s),
                        Label = label(value),
                    });
                }
                else
                {
                    // Absent is not zero: no bar, and say so where the bar would be.
                    var text = plot.Add.Text(DevicesTable.AbsentText, position, absentY);
                    text.LabelFontSize = 10;
                    text.LabelRotation = -90;
                    text.LabelFontColor = Colors.Gray;
                }
            }
        }

        // The reference line first, so the bars and their labels are drawn over it.
        if (chart.ReferenceLine is double reference && (!log || reference > 0))
        {
            // Solid: the SVG canvas cannot draw dashes.
            var line = plot.Add.HorizontalLine(Height(reference));
            line.LineWidth = 1.5f;
            line.LineColor = Colors.Gray;
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 10;

        for (int s = 0; s < chart.Series.Count; s++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = chart.Series[s], FillColor = palette.GetColor(s) });
        }

        plot.ShowLegend(Alignment.UpperRight);
        plot.Title(chart.Title);
        plot.YLabel(log ? chart.ValueLabel + " (log scale)" : chart.ValueLabel);
        double[] positions = Enumerable.Range(0, chart.Groups.Count).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, [.. chart.Groups]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        if (log)
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (int decade = (int)floorDecade; decade <= (int)topDecade; decade++)
            {
                ticks.AddMajor(decade - floorDecade, Math.Pow(10, decade).ToString("G", CultureInfo.InvariantCulture));
                for (int step = 2; step <= 9 && decade < topDecade; step++)
                {
                    ticks.AddMinor(decade - floorDecade + Math.Log10(step));
                }
            }

            plot.Axes.Left.TickGenerator = ticks;
            plot.Axes.Margins(bottom: 0, top: 0.15);
            plot.Axes.AutoScale();
            // The decade grid from the floor to one decade above the top bar, with room for the labels.
            plot.Axes.SetLimitsY(0, (topDecade - floorDecade) * 1.1);
        }
        else
        {
            plot.Axes.Margins(bottom: 0, top: 0.15);
        }

        return plot;
    }

    /// <summary>One colour and legend entry per series (device), each point labelled (model); axes start at zero.</summary>
    public static Plot Scatter(string title, string xLabel, string yLabel, IReadOnlyList<LabelledPoint> points, string emptyNote)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        if (points.Count == 0)
        {
            plot.Add.Text(emptyNote, 0.1, 0.5);
            plot.Axes.SetLimits(0, 1, 0, 1);
        }

        string[] series = points.Select(p => p.Series).Distinct().ToArray();
        for (int s = 0; s < series.Length; s++)
        {
            LabelledPoint[] mine = points.Where(p => p.Series == series[s]).ToArray();
            var markers = plot.Add.ScatterPoints(mine.Select(p => p.X).ToArray(), mine.Select(p => p.Y).ToArray(), palette.GetColor(s));
            markers.MarkerSize = 12;
            markers.LegendText = series[s];
            foreach (LabelledPoint p in mine)
            {
                var label = plot.Add.Text(p.Label, p.X, p.Y);
                label.LabelFontSize = 11;
                label.OffsetX = 8;
                label.OffsetY = -8;
            }
        }

        if (points.Count > 0)
        {
            // From zero, with room on the right for the labels: the eye reads ratios (FPS per watt) off the slope.
            plot.Axes.SetLimits(0, points.Max(p => p.X) * 1.4, 0, points.Max(p => p.Y) * 1.15);
            plot.ShowLegend(Alignment.UpperLeft);
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }
}

/// <summary>The chart of a sustained run's timeline.</summary>
public static class TimelineChart
{
    /// <summary>
    /// Frames per second (left axis) and, on the right axis, p99 latency (ms) and the hottest temperature (°C) per
    /// second: a thermal drop shows as FPS falling while the temperature climbs.
    /// </summary>
    public static Plot Create(string title, IReadOnlyList<EdgeBench.Pipeline.Frames.TimelineSecond> timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        // The last second is partial (the run ends inside it): drawn, it would read as a collapse of the frame rate.
        timeline = timeline.Count > 1 ? timeline.Take(timeline.Count - 1).ToArray() : timeline;
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double[] seconds = timeline.Select(s => (double)s.Second).ToArray();
        var fps = plot.Add.Scatter(seconds, timeline.Select(s => (double)s.Frames).ToArray(), palette.GetColor(0));
        fps.LegendText = "FPS";
        fps.MarkerSize = 0;
        (double X, double Y)[] p99 = timeline.Where(s => !double.IsNaN(s.P99Ms)).Select(s => ((double)s.Second, s.P99Ms)).ToArray();
        if (p99.Length > 0)
        {
            var latency = plot.Add.Scatter(p99.Select(p => p.X).ToArray(), p99.Select(p => p.Y).ToArray(), palette.GetColor(1));
            latency.LegendText = "p99 latency (ms, right)";
            latency.MarkerSize = 0;
            latency.Axes.YAxis = plot.Axes.Right;
        }

        (double X, double Y)[] temperature = timeline.Where(s => s.TemperatureC.HasValue).Select(s => ((double)s.Second, s.TemperatureC!.Value)).ToArray();
        if (temperature.Length > 0)
        {
            var hot = plot.Add.Scatter(temperature.Select(p => p.X).ToArray(), temperature.Select(p => p.Y).ToArray(), palette.GetColor(3));
            hot.LegendText = "temperature (°C, right)";
            hot.MarkerSize = 0;
            hot.LinePattern = LinePattern.Dashed;
            hot.Axes.YAxis = plot.Axes.Right;
        }

        // FPS from zero: a drop from 30 to 29 should look like the 3% it is, not fill the chart.
        plot.Axes.Left.Min = 0;
        plot.Axes.Left.Max = Math.Max(1, timeline.Select(s => s.Frames).DefaultIfEmpty(0).Max() * 1.15);
        plot.Title(title);
        plot.XLabel("seconds since the first frame");
        plot.YLabel("frames per second");
        plot.Axes.Right.Label.Text = "ms / °C";
        plot.ShowLegend(Alignment.LowerLeft);
        return plot;
    }
}

/// <summary>The charts of the two reports, from their rows.</summary>
public static class ReportCharts
{
    /// <summary>FPS of fp32 and fp16 side by side, one group per model, stage, EP and batch.</summary>
    public static GroupedBars Precision(IReadOnlyList<PrecisionRow> rows) => new(
        "fp32 vs fp16 vs int8: frames per second (higher is better)", "FPS",
        rows.Select(r => $"{r.Model} {r.Stage}\n{r.Ep} b{r.Batch}").ToArray(),
        ["fp32", "fp16", "int8"],
        [
            rows.Select(r => PrecisionRow.FramesPerSecond(r.Fp32)).ToArray(),
            rows.Select(r => PrecisionRow.FramesPerSecond(r.Fp16)).ToArray(),
            rows.Select(r => PrecisionRow.FramesPerSecond(r.Int8)).ToArray(),
        ]);

    /// <summary>FPS per model, one bar per device; the axis chosen from the spread (<see cref="ChartScale"/>).</summary>
    public static GroupedBars DevicesFps(IReadOnlyList<DeviceRow> rows) =>
        ByDevice(rows, "Frames per second by device: each model's best end-to-end pipeline (higher is better)", "FPS", r => r.Fps);

    /// <summary>FPS per watt per model and device, or null when no row has a power measurement.</summary>
    public static GroupedBars? DevicesFpsPerWatt(IReadOnlyList<DeviceRow> rows) => rows.Any(r => r.FpsPerWatt is not null)
        ? ByDevice(rows, "Frames per second per watt (higher is better)", "FPS / W", r => r.FpsPerWatt)
        : null;

    /// <summary>FPS per dollar of list price per model and device, or null when no device has a catalog price.</summary>
    public static GroupedBars? DevicesFpsPerDollar(IReadOnlyList<DeviceRow> rows) => rows.Any(r => r.FpsPerDollar is not null)
        ? ByDevice(rows, "Frames per second per dollar of list price (higher is better)", "FPS / USD", r => r.FpsPerDollar)
            with { BarLabel = v => v.ToString("G3", CultureInfo.InvariantCulture) } // a Pi's 0.00257 is not 0.003
        : null;

    /// <summary>
    /// The precision view as a chart: per model, each device's best FPS in fp16 (int8, ...) over its best FPS in fp32,
    /// one bar per device and precision; the grey line at 1 divides "helps" (above) from "hurts" (below).
    /// </summary>
    public static GroupedBars DevicePrecision(IReadOnlyList<DevicePrecisionRow> rows, IReadOnlyList<string> precisions)
    {
        string[] models = rows.Select(r => r.Model).Distinct().Order(StringComparer.Ordinal).ToArray();
        string[] devices = rows.Select(r => r.DeviceId).Distinct().ToArray();
        string[] others = precisions.Where(p => p != DevicePrecisionTable.Reference).ToArray();
        var series = new List<string>();
        var values = new List<IReadOnlyList<double?>>();
        foreach (string device in devices)
        {
            foreach (string precision in others)
            {
                series.Add(others.Length == 1 ? device : $"{device} {precision}");
                values.Add(models.Select(m => rows.FirstOrDefault(r => r.DeviceId == device && r.Model == m)?.SpeedOverFp32(precision)).ToArray());
            }
        }

        string title = $"{string.Join(", ", others)} over {DevicePrecisionTable.Reference}: best FPS ratio per device (above 1: faster than fp32)";
        return ChartScale.Scaled(new GroupedBars(title, "speed ratio", models, series, values)
        {
            BarLabel = v => Cells.Fixed(v, 2) + "x",
            ReferenceLine = 1,
        });
    }

    private static GroupedBars ByDevice(IReadOnlyList<DeviceRow> rows, string title, string valueLabel, Func<DeviceRow, double?> value)
    {
        string[] models = rows.Select(r => r.Model).Distinct().ToArray();
        string[] devices = rows.Select(r => r.DeviceId).Distinct().ToArray();
        return ChartScale.Scaled(new GroupedBars(title, valueLabel, models, devices,
            devices.Select(d => (IReadOnlyList<double?>)models.Select(m => rows.FirstOrDefault(r => r.DeviceId == d && r.Model == m) is { } row ? value(row) : null).ToArray()).ToArray()));
    }

    /// <summary>Speed against average power, for the device x model rows with a power measurement.</summary>
    public static IReadOnlyList<LabelledPoint> SpeedVsPower(IReadOnlyList<DeviceRow> rows) =>
        rows.Where(r => r.Fps is not null && r.PowerW is not null)
            .Select(r => new LabelledPoint(r.DeviceId, r.Model, r.PowerW!.Value, r.Fps!.Value))
            .ToArray();
}
