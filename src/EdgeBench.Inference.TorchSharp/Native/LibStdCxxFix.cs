using System.Runtime.InteropServices;

namespace EdgeBench.Inference.TorchSharp.Native;

/// <summary>What <see cref="LibStdCxxFix.EnsureLoadable"/> found and did.</summary>
internal enum LibStdCxxFixOutcome
{
    /// <summary>Not Linux: the ELF fix does not apply.</summary>
    NotLinux,

    /// <summary>The host's libstdc++ defines GLIBCXX_3.4.32: the shipped library loads as it is and is left alone.</summary>
    HostHasVersion,

    /// <summary>No app-local libLibTorchSharp.so was found next to the application.</summary>
    LibraryNotFound,

    /// <summary>Every app-local copy already had the requirement weak (or did not need the version at all).</summary>
    AlreadyPatched,

    /// <summary>At least one app-local copy was patched now.</summary>
    Patched,
}

/// <summary>
/// Makes TorchSharp 0.107's <c>libLibTorchSharp.so</c> load on hosts whose libstdc++ predates GCC 13 (Debian 12,
/// Ubuntu 22.04: up to GLIBCXX_3.4.30). The library requires GLIBCXX_3.4.32 only for
/// <c>std::ios_base_library_init()</c>, a marker symbol GCC 13 headers reference and nothing calls; marking that one
/// version requirement weak (VER_FLG_WEAK in its Elf64_Vernaux) lets the dynamic loader accept the library, and
/// libtorch itself needs only GLIBCXX_3.4.26.
/// </summary>
/// <remarks>
/// Run before the first TorchSharp call (see <see cref="TorchSharpAvailability"/>), so it covers every way the
/// application is laid out (bin/, publish/, BenchmarkDotNet's generated projects) without build integration in each
/// consumer. Only the application's own copy is touched, never the NuGet cache; the copy is rewritten through a temp
/// file and a rename, so a hard-linked copy-local file is unlinked from the cache rather than edited through the link,
/// and a process that has the old file mapped keeps its bytes. Idempotent: a copy already weak is left alone.
/// </remarks>
internal static class LibStdCxxFix
{
    public const string RequiredVersion = "GLIBCXX_3.4.32";
    public const string LibStdCxx = "libstdc++.so.6";
    public const string TorchSharpNative = "libLibTorchSharp.so";

    private static readonly string[] s_hostLibraryCandidates =
    [
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
    ];

    /// <summary>Patches the app-local copies under <paramref name="applicationDirectory"/> when the host needs it.</summary>
    public static (LibStdCxxFixOutcome Outcome, string Detail) EnsureLoadable(string applicationDirectory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (LibStdCxxFixOutcome.NotLinux, "not Linux");
        }

        string? host = FindHostLibStdCxx();
        if (host is null)
        {
            // Without a libstdc++ to inspect, assume the worst: a weak requirement is harmless where the version exists.
            host = "(none found)";
        }
        else if (ElfSymbolVersions.ReadDefinitions(File.ReadAllBytes(host)).Contains(RequiredVersion))
        {
            return (LibStdCxxFixOutcome.HostHasVersion, $"{host} defines {RequiredVersion}");
        }

        string[] copies = AppLocalCopies(applicationDirectory).ToArray();
        if (copies.Length == 0)
        {
            return (LibStdCxxFixOutcome.LibraryNotFound, $"no {TorchSharpNative} under {applicationDirectory}");
        }

        var patched = new List<string>();
        foreach (string copy in copies)
        {
            if (MarkWeak(copy, LibStdCxx, RequiredVersion))
            {
                patched.Add(copy);
            }
        }

        return patched.Count > 0
            ? (LibStdCxxFixOutcome.Patched, $"host {host} lacks {RequiredVersion}; marked weak in {string.Join(", ", patched)}")
            : (LibStdCxxFixOutcome.AlreadyPatched, $"host {host} lacks {RequiredVersion}; {string.Join(", ", copies)} already weak");
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on the requirement (<paramref name="file"/>, <paramref name="version"/>) of the ELF file at
    /// <paramref name="path"/>. Returns false when it is already weak or absent; throws for a file in the NuGet cache.
    /// </summary>
    public static bool MarkWeak(string path, string file, string version)
    {
        string fullPath = Path.GetFullPath(path);
        if (IsInNuGetCache(fullPath))
        {
            throw new InvalidOperationException($"{fullPath} is in the NuGet package cache; only the application's copy may be patched.");
        }

        byte[] bytes = File.ReadAllBytes(fullPath);
        ElfVersionNeed[] matches = ElfSymbolVersions.ReadNeeds(bytes)
            .Where(n => n.File == file && n.Version == version && !n.IsWeak)
            .ToArray();
        if (matches.Length == 0)
        {
            return false;
        }

        foreach (ElfVersionNeed need in matches)
        {
            ushort flags = (ushort)(need.Flags | ElfSymbolVersions.VerFlagWeak);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(checked((int)need.FlagsOffset), 2), flags);
        }

        string temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(fullPath));
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        return true;
    }

    /// <summary>The libstdc++ this process uses (from /proc/self/maps), else the first at a standard path.</summary>
    internal static string? FindHostLibStdCxx()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && line.AsSpan(slash).EndsWith("/" + LibStdCxx, StringComparison.Ordinal))
                {
                    return line[slash..];
                }
            }
        }
        catch (IOException)
        {
            // No procfs: fall back to the standard paths.
        }

        return s_hostLibraryCandidates.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Where the application loads libLibTorchSharp.so from: <c>runtimes/&lt;rid&gt;/native/</c> of a build output
    /// (RID-specific assets stay there for framework-dependent apps) or the application folder itself (publish -r).
    /// </summary>
    internal static IEnumerable<string> AppLocalCopies(string applicationDirectory)
    {
        string rid = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        foreach (string candidate in (string[])[
            Path.Combine(applicationDirectory, "runtimes", rid, "native", TorchSharpNative),
            Path.Combine(applicationDirectory, TorchSharpNative)])
        {
            if (File.Exists(candidate))
            {
                yield return candidate;
            }
        }
    }

    private static bool IsInNuGetCache(string fullPath)
    {
        string? configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        foreach (string? root in (string?[])[configured, Path.Combine(home, ".nuget", "packages")])
        {
            if (!string.IsNullOrEmpty(root)
                && fullPath.StartsWith(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
