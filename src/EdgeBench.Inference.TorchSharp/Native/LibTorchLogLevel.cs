using System.Runtime.InteropServices;

namespace EdgeBench.Inference.TorchSharp.Native;

/// <summary>
/// libtorch's C++ log level, set before libtorch loads. Its default (WARNING) prints "Could not initialize NNPACK!
/// Reason: Unsupported hardware." on stderr for every convolution on CPUs NNPACK does not support (this VM's EPYC
/// among them): 2,189 lines in one default run, burying the progress and the end screen. libtorch reads
/// TORCH_CPP_LOG_LEVEL from the process environment when it loads; .NET's Environment.SetEnvironmentVariable does not
/// reach the native environment on Unix, so it is set with libc's setenv. A value the user set wins.
/// </summary>
internal static partial class LibTorchLogLevel
{
    private const string Variable = "TORCH_CPP_LOG_LEVEL";

    /// <summary>Errors only, unless the user chose a level.</summary>
    public static void ErrorsUnlessSet()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = SetEnvironment(Variable, "ERROR", overwrite: 0);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}
