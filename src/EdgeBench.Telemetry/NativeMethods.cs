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

    // glibc only: returns free heap pages to the kernel (ProcessMemory.TrimNativeHeap).
    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    internal static partial int MallocTrim(nuint pad);

    /// <summary>POSIX_FADV_DONTNEED on Linux: drop the file's clean pages from the page cache.</summary>
    internal const int FadviseDontNeed = 4;

    // posix_fadvise returns the error number instead of setting errno.
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    internal static partial int PosixFadvise(int fd, long offset, long length, int advice);
}
