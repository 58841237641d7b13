using System.Diagnostics;

namespace EdgeBench.IntegrationTests.Fleet;

/// <summary>Runs one of eng/fleet's scripts (or git, to set a scene up) as a runner does: a child process, its own output.</summary>
internal static class FleetScript
{
    public static string RepositoryRoot { get; } = EdgeBench.Models.Zoo.RepositoryRoot.Find()
        ?? throw new InvalidOperationException($"no {EdgeBench.Models.Zoo.RepositoryRoot.SolutionFile} above {AppContext.BaseDirectory}: the fleet tests run the checkout's eng/fleet scripts");

    /// <summary>The benchmark program the test host was built with: the job script runs it rather than building again.</summary>
    public static string Program { get; } = Path.Combine(AppContext.BaseDirectory, "EdgeBench.Benchmarks.dll");

    public static (int ExitCode, string Output) Bash(string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Run("bash", [Path.Combine(RepositoryRoot, "eng", "fleet", script), .. arguments], RepositoryRoot, environment);

    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
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

        // Only what the test sets: an option an in-process run of another test published, or a runner's own
        // GITHUB_OUTPUT, must not reach the script.
        foreach (string variable in start.Environment.Keys.Where(k => k.StartsWith("EDGEBENCH_", StringComparison.Ordinal) || k.StartsWith("GITHUB_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(variable);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish within 3 minutes");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
