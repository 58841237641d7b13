namespace EdgeBench.IntegrationTests.Fleet;

/// <summary>
/// eng/fleet/publish-run.sh against a real (local, bare) results repository: two boards that checked the branch out
/// at the same commit both get their run onto it, the second by rebasing after its first push is refused.
/// </summary>
public sealed class PublishRunTests : IDisposable
{
    private const string Branch = "fleet-results";
    private readonly string _root = Directory.CreateTempSubdirectory("edgebench-publish-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Git(string workingDirectory, params string[] arguments)
    {
        (int exitCode, string output) = FleetScript.Run("git", arguments, workingDirectory);
        Assert.True(exitCode == 0, $"git {string.Join(' ', arguments)} in {workingDirectory}: exit {exitCode}\n{output}");
        return output;
    }

    /// <summary>A clone of the results branch with one new run folder in it, as a board's job leaves it.</summary>
    private string BoardCheckout(string name, string runFolder)
    {
        Git(_root, "clone", "-q", "-b", Branch, Path.Combine(_root, "origin.git"), name);
        string run = Path.Combine(_root, name, runFolder);
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "edgebench.csv"), $"measured on {name}\n");
        return run;
    }

    [Fact]
    public void Concurrent_boards_both_land_their_runs_and_a_second_publish_of_a_run_is_refused()
    {
        Git(_root, "init", "-q", "--bare", "-b", Branch, "origin.git");
        Git(_root, "clone", "-q", Path.Combine(_root, "origin.git"), "seed");
        string seed = Path.Combine(_root, "seed");
        Git(seed, "switch", "-q", "-c", Branch);
        Directory.CreateDirectory(Path.Combine(seed, "results"));
        File.WriteAllText(Path.Combine(seed, "results", "devices.csv"), "device_id,name,price_usd,peak_gflops,source,source_url\n");
        Git(seed, "add", ".");
        Git(seed, "-c", "user.name=seed", "-c", "user.email=seed@example.invalid", "commit", "-q", "-m", "results branch");
        Git(seed, "push", "-q", "origin", Branch);

        // Both boards check the branch out before either pushes.
        string rpi = BoardCheckout("rpi5", "results/raspberry-pi-5-model-b/20261202-100000-1111111");
        string jetson = BoardCheckout("jetson", "results/nvidia-jetson-orin-nano/20261202-100001-1111111");

        (int exitCode, string output) = FleetScript.Bash("publish-run.sh", ["--checkout", Path.Combine(_root, "rpi5"), "--run-dir", rpi]);
        Assert.True(exitCode == 0, output);
        Assert.Contains("attempt 1)", output, StringComparison.Ordinal);

        (exitCode, output) = FleetScript.Bash("publish-run.sh",
            ["--checkout", Path.Combine(_root, "jetson"), "--run-dir", jetson, "--message", "fleet: jetson run", "--attempts", "3"]);
        Assert.True(exitCode == 0, output);
        Assert.Contains("push 1 of 3 refused", output, StringComparison.Ordinal);
        Assert.Contains("attempt 2)", output, StringComparison.Ordinal);

        string tree = Git(Path.Combine(_root, "origin.git"), "ls-tree", "-r", "--name-only", Branch);
        Assert.Equal(
            ["results/devices.csv", "results/nvidia-jetson-orin-nano/20261202-100001-1111111/edgebench.csv", "results/raspberry-pi-5-model-b/20261202-100000-1111111/edgebench.csv"],
            tree.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fleet: jetson run", Git(Path.Combine(_root, "origin.git"), "log", "-1", "--format=%s", Branch), StringComparison.Ordinal);

        (exitCode, output) = FleetScript.Bash("publish-run.sh", ["--checkout", Path.Combine(_root, "jetson"), "--run-dir", jetson]);
        Assert.Equal(1, exitCode);
        Assert.Contains("publish-run: nothing to commit: results/nvidia-jetson-orin-nano/20261202-100001-1111111", output, StringComparison.Ordinal);

        (exitCode, output) = FleetScript.Bash("publish-run.sh", ["--checkout", Path.Combine(_root, "jetson"), "--run-dir", _root]);
        Assert.Equal(1, exitCode);
        Assert.Contains($"publish-run: --run-dir '{_root}' is not inside the checkout", output, StringComparison.Ordinal);
    }
}
