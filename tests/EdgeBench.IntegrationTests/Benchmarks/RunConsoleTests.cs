using EdgeBench.Benchmarks.Infrastructure;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>The pure parts of what a run shows: the error line a failed case reports, the compacted Markdown table.</summary>
public sealed class RunConsoleTests
{
    [Fact]
    public void A_failed_cases_error_line_is_its_innermost_exception()
    {
        const string logged = """
            // ! InProcessEmitExecutor, exception: System.Reflection.TargetInvocationException: Exception has been thrown by the target of an invocation.
             ---> System.InvalidOperationException: ssd300: output 'boxes' has shape [1,8732,4]; expected [1,4,8732]
               at EdgeBench.Pipeline.Run()
               --- End of inner exception stack trace ---
            """;

        Assert.Equal("System.InvalidOperationException: ssd300: output 'boxes' has shape [1,8732,4]; expected [1,4,8732]", RunLogger.Essential(logged));
        Assert.Equal("// ! ExecuteResult: exit code 1", RunLogger.Essential("\n// ! ExecuteResult: exit code 1\nmore"));
        Assert.Equal(string.Empty, RunLogger.Essential("\n \n"));
    }

    [Fact]
    public void The_markdown_report_drops_separator_rows_rows_that_did_not_run_and_columns_with_nothing()
    {
        string[] report =
        [
            "```",
            "BenchmarkDotNet v0.15.8",
            "```",
            "| Method   | Model | Mean     | Ratio | MB/s |",
            "|--------- |------ |---------:|------:|-----:|",
            "| ToTensor | a     | 1.000 ms |     ? |    - |",
            "|          |       |          |       |      |",
            "| ToTensor | b     |       NA |     ? |    - |",
            "| Copy     | b     | 2.000 ms |     ? |  9.5 |",
            "",
            "Legend",
        ];

        string[] compact = CompactMarkdownExporter.Compact(report).ToArray();

        Assert.Equal(
            [
                "```", "BenchmarkDotNet v0.15.8", "```",
                "| Method   | Model | Mean     | MB/s |",
                "|--------- |------ |---------:|-----:|",
                "| ToTensor | a     | 1.000 ms |    - |",
                "| Copy     | b     | 2.000 ms |  9.5 |",
                "", "Legend",
            ],
            compact);
    }
}
