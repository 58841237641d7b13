using System.Runtime.InteropServices;

namespace EdgeBench.IntegrationTests.Gpu;

/// <summary>
/// EDGEBENCH_ORT_LIBRARY end to end, in a child process of the benchmark program (the resolver is registered once
/// per process, before ONNX Runtime's first call): <c>--list</c> reaches ONNX Runtime through the backends'
/// availability, as a real run does before its first case. glibc's LD_DEBUG=files shows which library file the
/// process really initialised.
/// </summary>
public sealed class OrtLibraryVariableTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgebench-ortlib-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string ShippedLibrary =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64", "native", "libonnxruntime.so");

    [Fact]
    public void A_missing_library_stops_the_program_with_the_variable_and_path_named()
    {
        string missing = Path.Combine(_root, "absent", "libonnxruntime.so");

        (int exitCode, string output) = RunList(missing, traceLoads: false);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"EDGEBENCH_ORT_LIBRARY={missing}: no such file", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_library_is_the_one_loaded()
    {
        // A copy under another folder, so the trace tells it from the library the build ships.
        string user = Path.Combine(_root, "user", "libonnxruntime.so");
        Directory.CreateDirectory(Path.GetDirectoryName(user)!);
        File.Copy(ShippedLibrary, user);

        (int exitCode, string output) = RunList(user, traceLoads: true);

        Assert.True(exitCode == 0, output);
        Assert.Contains("available: ort-cpu", output, StringComparison.Ordinal);
        Assert.Contains($"calling init: {user}", output, StringComparison.Ordinal);
        Assert.DoesNotContain($"calling init: {ShippedLibrary}", output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output) RunList(string library, bool traceLoads)
    {
        var environment = new Dictionary<string, string>
        {
            ["EDGEBENCH_ORT_LIBRARY"] = library,
            ["EDGEBENCH_BACKENDS"] = "ort-cpu,ort-cuda",
        };
        if (traceLoads)
        {
            environment["LD_DEBUG"] = "files";
        }

        return ChildRun.Run("dotnet", ["exec", ChildRun.BenchmarkProgram, "--list", "--filter", "*MobileNetBenchmarks.Inference*"],
            AppContext.BaseDirectory, environment, TimeSpan.FromMinutes(2));
    }
}
