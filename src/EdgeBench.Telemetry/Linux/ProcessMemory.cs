using System.Globalization;

namespace EdgeBench.Telemetry.Linux;

/// <summary>The resident memory figures of one <c>/proc/&lt;pid&gt;/status</c> read, in KiB as the kernel prints them.</summary>
/// <param name="RssKib"><c>VmRSS</c>: resident now. Null when the line is absent (kernel threads have none).</param>
/// <param name="PeakRssKib"><c>VmHWM</c>: the resident high-water mark since the process started or since the last reset.</param>
public readonly record struct ProcessMemoryStatus(long? RssKib, long? PeakRssKib)
{
    /// <summary>KiB to the MiB edgebench.csv's memory columns use (ram_mb's unit: the kernel's "MB").</summary>
    public static double? ToMib(long? kib) => kib is long k ? k / 1024.0 : null;
}

/// <summary>
/// The process's own resident memory on Linux: <c>VmRSS</c> and <c>VmHWM</c> from <c>/proc/self/status</c>, and the
/// reset of <c>VmHWM</c> through <c>/proc/self/clear_refs</c> (writing <c>5</c>, Linux 4.0+), so that a peak can be
/// read per benchmark case instead of since the process started. Elsewhere (macOS, Windows) every read is null: .NET's
/// <c>Process.PeakWorkingSet64</c> cannot be reset, so it could not give a per-case peak.
/// </summary>
public static class ProcessMemory
{
    private const string StatusPath = "/proc/self/status";
    private const string ClearRefsPath = "/proc/self/clear_refs";

    /// <summary>What <c>clear_refs</c> takes to reset the peak resident set size (proc(5)).</summary>
    private const string ResetPeakCommand = "5";

    /// <summary>
    /// Parses <c>VmRSS</c> and <c>VmHWM</c> out of a <c>/proc/&lt;pid&gt;/status</c> text ("VmHWM:\t  166972 kB").
    /// A line that is missing or not in that form gives null for its figure, never an exception: the file's other
    /// lines change between kernels.
    /// </summary>
    public static ProcessMemoryStatus ParseStatus(string? text)
    {
        long? rss = null;
        long? peak = null;
        if (text is null)
        {
            return default;
        }

        foreach (ReadOnlySpan<char> line in text.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kibibytes(line["VmRSS:".Length..]);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kibibytes(line["VmHWM:".Length..]);
            }
        }

        return new ProcessMemoryStatus(rss, peak);
    }

    /// <summary>This process's figures now; both null where <c>/proc/self/status</c> does not exist or cannot be read.</summary>
    public static ProcessMemoryStatus ReadSelf()
    {
        try
        {
            return File.Exists(StatusPath) ? ParseStatus(File.ReadAllText(StatusPath)) : default;
        }
        catch (IOException)
        {
            return default;
        }
        catch (UnauthorizedAccessException)
        {
            return default;
        }
    }

    /// <summary>
    /// Resets this process's <c>VmHWM</c> to its current <c>VmRSS</c>. Null when done; otherwise why not (no
    /// <c>/proc</c>, a kernel before 4.0, or <c>clear_refs</c> not writable, as under some container sandboxes): the
    /// caller then has no per-case peak, since <c>VmHWM</c> would be the peak of every case before as well.
    /// </summary>
    public static string? ResetPeak()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "peak resident memory is read from /proc/self/status (Linux only)";
        }

        try
        {
            File.WriteAllText(ClearRefsPath, ResetPeakCommand);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{ClearRefsPath} is not writable here ({e.Message.TrimEnd('.')}), so VmHWM cannot be reset per case";
        }
    }

    /// <summary>
    /// Returns the C heap's free memory to the kernel (glibc's <c>malloc_trim(0)</c>), so that a resident-size
    /// difference across a native allocation measures that allocation, not pages an earlier one freed but glibc kept.
    /// Does nothing where there is no glibc (musl, macOS, Windows).
    /// </summary>
    public static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = EdgeBench.Telemetry.NativeMethods.MallocTrim(0);
        }
        catch (EntryPointNotFoundException)
        {
        }
        catch (DllNotFoundException)
        {
        }
    }

    /// <summary>
    /// Drops <paramref name="path"/>'s pages from the page cache (<c>posix_fadvise(POSIX_FADV_DONTNEED)</c>, which
    /// needs no privileges), so that the next read comes from the storage, as after a boot. Null when done; otherwise
    /// why not. Pages another process maps stay cached, and a virtual machine's host may still cache the disk.
    /// </summary>
    public static string? EvictFromPageCache(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "page-cache eviction needs Linux (posix_fadvise)";
        }

        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path);
        int error = EdgeBench.Telemetry.NativeMethods.PosixFadvise((int)handle.DangerousGetHandle(), 0, 0, EdgeBench.Telemetry.NativeMethods.FadviseDontNeed);
        return error == 0 ? null : $"posix_fadvise({path}) failed with error {error}";
    }

    private static long? Kibibytes(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        if (!value.EndsWith(" kB", StringComparison.Ordinal))
        {
            return null;
        }

        return long.TryParse(value[..^3].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long kib) ? kib : null;
    }
}
