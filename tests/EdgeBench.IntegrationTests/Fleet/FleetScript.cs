namespace EdgeBench.IntegrationTests.Fleet;

/// <summary>Runs one of eng/fleet's scripts (or git, to set a scene up) as a runner does: a child process, its own output.</summary>
internal static class FleetScript
{
    public static string RepositoryRoot { get; } = EdgeBench.Models.Zoo.RepositoryRoot.Find()
        ?? throw new InvalidOperationException($"no {EdgeBench.Models.Zoo.RepositoryRoot.SolutionFile} above {AppContext.BaseDirectory}: the fleet tests run the checkout's eng/fleet scripts");

    /// <summary>The benchmark program the test host was built with: the job script runs it rather than building again.</summary>
    public static string Program => ChildRun.BenchmarkProgram;

    public static (int ExitCode, string Output) Bash(string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Run("bash", [Path.Combine(RepositoryRoot, "eng", "fleet", script), .. arguments], RepositoryRoot, environment);

    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null) => ChildRun.Run(file, arguments, workingDirectory, environment);
}
