using System.Runtime.InteropServices;

namespace EdgeBench.Telemetry;

/// <summary>libc calls the samplers need; Unix only (callers check the OS first).</summary>
internal static partial class NativeMethods
{
    /// <summary>SIGINT is 2 on Linux, macOS and the BSDs.</summary>
    internal const int SigInt = 2;

    /// <summary>SIGTERM is 15 on Linux, macOS and the BSDs.</summary>
    internal const int SigTerm = 15;

    // Process has no "send this signal" API; Kill() is SIGKILL, which sudo cannot relay (see TegrastatsSampler).
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
