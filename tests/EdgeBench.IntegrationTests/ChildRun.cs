using System.Diagnostics;

namespace EdgeBench.IntegrationTests;

/// <summary>
/// Runs a program in a child process, as a user or a runner does, and returns its exit code and output. The child
/// gets only the EdgeBench and GitHub settings the test names: an option an in-process run of another test published
/// into this process's environment, or a runner's own GITHUB_OUTPUT, must not reach it.
/// </summary>
internal static class ChildRun
{
    /// <summary>The benchmark program the test host was built with.</summary>
    public static string BenchmarkProgram { get; } = Path.Combine(AppContext.BaseDirectory, "EdgeBench.Benchmarks.dll");

    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string variable in start.Environment.Keys.Where(k => k.StartsWith("EDGEBENCH_", StringComparison.Ordinal) || k.StartsWith("GITHUB_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(variable);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        TimeSpan limit = timeout ?? TimeSpan.FromMinutes(3);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', start.ArgumentList)} did not finish within {limit.TotalMinutes:0.#} minutes");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
