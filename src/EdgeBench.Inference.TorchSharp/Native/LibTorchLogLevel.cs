using System.Runtime.InteropServices;

namespace EdgeBench.Inference.TorchSharp.Native;

/// <summary>
/// libtorch's C++ log level. At its default (WARNING) libtorch prints "Could not initialize NNPACK! Reason: Unsupported
/// hardware." on stderr for every convolution on CPUs NNPACK does not support (this VM's EPYC among them): 2,189 lines
/// in one default run, burying the progress and the end screen. libtorch reads TORCH_CPP_LOG_LEVEL only when
/// Python's torch initialises its logging (InitCaffeLogging), which TorchSharp never calls, so the variable alone does
/// nothing here: the level is c10's exported flag <c>FLAGS_caffe2_log_level</c>, written once libc10 is loaded.
/// TORCH_CPP_LOG_LEVEL, when set, chooses the level as it does under Python (INFO, WARNING, ERROR, FATAL or 0-3);
/// otherwise errors only.
/// </summary>
internal static class LibTorchLogLevel
{
    private const string Variable = "TORCH_CPP_LOG_LEVEL";
    private const string Flag = "FLAGS_caffe2_log_level";
    private const int Error = 2;

    private static readonly string[] s_levels = ["INFO", "WARNING", "ERROR", "FATAL"];

    /// <summary>Applies the level to the loaded libc10; false when the library or its flag cannot be found.</summary>
    public static bool Apply()
    {
        int level = Level(Environment.GetEnvironmentVariable(Variable));
        foreach (string name in (string[])["libc10.so", Path.Combine(AppContext.BaseDirectory, "libc10.so")])
        {
            // Loaded already by TorchSharp: this only returns its handle (dlopen reference counting), closed again below.
            if (NativeLibrary.TryLoad(name, out IntPtr library))
            {
                try
                {
                    if (NativeLibrary.TryGetExport(library, Flag, out IntPtr flag))
                    {
                        Marshal.WriteInt32(flag, level);
                        return true;
                    }
                }
                finally
                {
                    NativeLibrary.Free(library);
                }
            }
        }

        return false;
    }

    /// <summary>The variable's level (a name or 0-3), else ERROR.</summary>
    internal static int Level(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Error;
        }

        int named = Array.FindIndex(s_levels, l => string.Equals(l, text.Trim(), StringComparison.OrdinalIgnoreCase));
        return named >= 0 ? named
            : int.TryParse(text, out int number) && number is >= 0 and <= 3 ? number
            : Error;
    }
}
