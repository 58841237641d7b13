using System.Runtime.InteropServices;
using EdgeBench.Inference.OnnxRuntime;

namespace EdgeBench.Tests.Inference;

/// <summary>
/// The checks behind EDGEBENCH_ORT_LIBRARY. Registering the resolver itself is once per process and must precede
/// every ONNX Runtime call, so that part runs in a child process (IntegrationTests/Gpu/OrtLibraryVariableTests).
/// </summary>
public sealed class OrtNativeLibraryTests
{
    /// <summary>The CPU package's library as the build copies it (linux-x64 or linux-arm64).</summary>
    internal static string ShippedLibrary =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64", "native", "libonnxruntime.so");

    [Fact]
    public void A_missing_file_names_the_variable_and_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), "edgebench-no-such-dir", "libonnxruntime.so");

        var e = Assert.Throws<OrtLibraryException>(() => OrtNativeLibrary.Load(path));

        Assert.Contains($"EDGEBENCH_ORT_LIBRARY={path}", e.Message, StringComparison.Ordinal);
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_library_that_is_not_onnx_runtime_is_refused()
    {
        // libSystem.Native.so loads on every .NET install and exports no OrtGetApiBase.
        string other = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so");

        var e = Assert.Throws<OrtLibraryException>(() => OrtNativeLibrary.Load(other));

        Assert.Contains(other, e.Message, StringComparison.Ordinal);
        Assert.Contains("not an ONNX Runtime library", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_cpu_library_is_accepted()
    {
        Assert.True(File.Exists(ShippedLibrary), ShippedLibrary);

        Assert.NotEqual(IntPtr.Zero, OrtNativeLibrary.Load(ShippedLibrary));
    }
}
