using System.Runtime.InteropServices;
using EdgeBench.Inference.TorchSharp.Native;
using TorchSharp;

namespace EdgeBench.Inference.TorchSharp;

/// <summary>Whether TorchSharp (libtorch) can run in this process, and why not when it cannot.</summary>
public static class TorchSharpAvailability
{
    private static readonly Lazy<(bool Available, string Reason)> s_result = new(Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Checks once per process: the platform has a libtorch package, the libstdc++ fix (see README) is applied to the
    /// application's copy of libLibTorchSharp.so where the host needs it, and the native library loads and runs a
    /// tensor op. The reason is a sentence for a "skipped" row when unavailable, and describes the fix otherwise.
    /// </summary>
    public static (bool Available, string Reason) Check() => s_result.Value;

    /// <summary>Throws <see cref="NotSupportedException"/> with the reason when TorchSharp cannot run here.</summary>
    public static void EnsureAvailable()
    {
        (bool available, string reason) = Check();
        if (!available)
        {
            throw new NotSupportedException($"TorchSharp is not available: {reason}");
        }
    }

    private static (bool, string) Probe()
    {
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
        {
            return (false, "no libtorch for linux-arm64 on NuGet (TorchSharp ships linux-x64, win-x64/arm64 and osx-arm64 only)");
        }

        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return (false, $"EdgeBench references libtorch-cpu-linux-x64 only; {RuntimeInformation.RuntimeIdentifier} has no libtorch here");
        }

        string fix;
        try
        {
            (LibStdCxxFixOutcome outcome, string detail) = LibStdCxxFix.EnsureLoadable(AppContext.BaseDirectory);
            fix = $"libstdc++ fix: {outcome} ({detail})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException)
        {
            return (false, $"cannot apply the libstdc++ fix to {LibStdCxxFix.TorchSharpNative}: {e.Message}");
        }

        try
        {
            using torch.Tensor probe = torch.ones(2, 3);
            LibTorchLogLevel.Apply(); // libtorch is loaded now
            using torch.Tensor sum = probe.sum();
            float value = sum.item<float>();
            return value == 6f
                ? (true, $"libtorch loaded ({fix})")
                : (false, $"libtorch loaded but computed {value} for a sum of six ones");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException
            or EntryPointNotFoundException or BadImageFormatException or InvalidOperationException or ExternalException)
        {
            return (false, $"the libtorch native library failed to load ({fix}): {e.GetBaseException().Message}");
        }
    }
}
