using System.Text.Json;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Tests.Telemetry;

public sealed class TelemetryParseCommandTests
{
    [Fact]
    public void OneOutputLinePerInputLine_UnparseableAsNull()
    {
        string[] real = TegrastatsFixtureTests.AllFixtureLines().Take(3).ToArray();
        string input = string.Join('\n', "Thu Nov 26 05:59:32 UTC 2026", real[0], string.Empty, real[1], real[2]) + "\n";
        using var output = new StringWriter();
        using var error = new StringWriter();

        int rc = TelemetryParseCommand.Run(new StringReader(input), output, error);

        Assert.Equal(0, rc);
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(5, lines.Length);
        Assert.Equal("null", lines[0]);
        Assert.Equal("null", lines[2]);
        foreach (int i in new[] { 1, 3, 4 })
        {
            using JsonDocument doc = JsonDocument.Parse(lines[i]);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }

        Assert.Equal("telemetry parse: 3 line(s) parsed, 2 skipped (written as null): line 1, 3", error.ToString().Trim());
    }

    [Fact]
    public void NothingParsed_ReturnsOne()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(1, TelemetryParseCommand.Run(new StringReader("hello\nworld\n"), output, error));
        Assert.Contains("0 line(s) parsed, 2 skipped", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyInput_ReturnsZero()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, TelemetryParseCommand.Run(new StringReader(string.Empty), output, error));
        Assert.Empty(output.ToString());
        Assert.Contains("0 line(s) parsed, 0 skipped", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ManySkippedLines_ListIsElided()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        TelemetryParseCommand.Run(new StringReader(string.Concat(Enumerable.Repeat("x\n", 25)) + "RAM 1/2MB\n"), output, error);
        Assert.EndsWith("line 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...", error.ToString().Trim(), StringComparison.Ordinal);
    }
}
