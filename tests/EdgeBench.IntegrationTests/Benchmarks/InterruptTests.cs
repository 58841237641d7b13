using System.Diagnostics;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// Ctrl+C in the middle of a sustained run, for real: the benchmark program in a child process gets SIGINT while its
/// first camera case is measuring (a test host cannot signal itself without ending the test run).
/// </summary>
public sealed class InterruptTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgebench-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Ctrl_C_keeps_the_running_cases_frames_skips_the_rest_and_writes_the_results()
    {
        string results = Path.Combine(_root, "results");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (string argument in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "EdgeBench.Benchmarks.dll"),
            "--filter", "*MobileNetBenchmarks.Camera*", "--backend", "ort-cpu", "--batch", "1", "--precision", "fp32,fp16",
            "--sustained", "10m", "--telemetry", "linux", "--device-id", "interrupt-test", "--results", results,
            // BenchmarkDotNet's log on the console too: the test waits for the scenario's start line in it.
            "--verbose"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[EdgeBench.Models.Zoo.ModelStore.ModelsDirectoryVariable] = Path.Combine(_root, "models");
        using Process process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        using var measuring = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("measuring for at least 600s", StringComparison.Ordinal) == true)
            {
                measuring.Set();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            Assert.True(measuring.Wait(TimeSpan.FromMinutes(3)), "the first camera case did not start measuring within 3 minutes:\n" + Text(output));
            // Some frames into the window, then SIGINT to the program (a terminal's Ctrl+C also reaches the telemetry
            // tools of its process group; --telemetry linux starts none).
            Thread.Sleep(TimeSpan.FromSeconds(3));
            using (Process kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the program did not finish within 3 minutes of Ctrl+C:\n" + Text(output));
            process.WaitForExit(); // flushes the redirected output
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        string log = Text(output);
        Assert.True(process.ExitCode == 130, $"exit code {process.ExitCode}, expected 130:\n{log}");
        Assert.Contains("Interrupted:", log, StringComparison.Ordinal);
        string run = Assert.Single(Directory.GetDirectories(Path.Combine(results, "interrupt-test")));
        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(Path.Combine(run, ResultsCsv.FileName));

        // The case that was measuring: its frames are kept, marked invalid with the reason.
        ResultRow measured = Assert.Single(rows, r => r.Status == CaseStatus.Ok);
        Assert.Equal("invalid", measured.Verdict);
        Assert.Contains("stopped by an interrupt", measured.Diagnosis, StringComparison.Ordinal);
        Assert.InRange(measured.Frames ?? 0, 30, 10 * 30 * 60);
        string[] trace = File.ReadAllLines(Path.Combine(run, measured.FrameTrace));
        Assert.True(trace.Length - 1 >= measured.Frames, $"{measured.FrameTrace} holds {trace.Length - 1} rows for {measured.Frames} frames");
        Assert.Single(Directory.GetFiles(Path.Combine(run, "timeline"), "*.csv"));

        // The case that had not started: skipped, saying why.
        ResultRow notRun = Assert.Single(rows, r => r.Precision != measured.Precision);
        Assert.Equal(CaseStatus.Skipped, notRun.Status);
        Assert.Contains("interrupted", notRun.Reason, StringComparison.Ordinal);
    }

    private static string Text(System.Text.StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
