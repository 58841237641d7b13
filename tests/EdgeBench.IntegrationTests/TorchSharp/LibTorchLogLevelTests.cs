using System.Runtime.InteropServices;
using EdgeBench.Inference.TorchSharp;
using EdgeBench.Inference.TorchSharp.Native;

namespace EdgeBench.IntegrationTests.TorchSharp;

/// <summary>libtorch's log level: set on the loaded libc10 (its NNPACK warning otherwise floods stderr), chosen by TORCH_CPP_LOG_LEVEL.</summary>
public sealed class LibTorchLogLevelTests
{
    [Theory]
    [InlineData(null, 2)]
    [InlineData("", 2)]
    [InlineData("warning", 1)]
    [InlineData("INFO", 0)]
    [InlineData("3", 3)]
    [InlineData("loud", 2)] // not a level: errors only, as without the variable
    public void The_variable_names_the_level(string? text, int level) => Assert.Equal(level, LibTorchLogLevel.Level(text));

    [Fact]
    public void Once_libtorch_is_loaded_it_logs_errors_only()
    {
        if (!TorchSharpAvailability.Check().Available || Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL") is { Length: > 0 })
        {
            return; // no libtorch on this platform (its own tests say so), or the shell chose a level
        }

        Assert.True(NativeLibrary.TryLoad("libc10.so", out IntPtr library), "libc10.so is loaded with libtorch");
        try
        {
            Assert.True(NativeLibrary.TryGetExport(library, "FLAGS_caffe2_log_level", out IntPtr flag));
            Assert.Equal(2, Marshal.ReadInt32(flag));
        }
        finally
        {
            NativeLibrary.Free(library);
        }
    }
}
