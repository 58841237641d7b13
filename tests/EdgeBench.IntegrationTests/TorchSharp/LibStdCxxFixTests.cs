using System.Runtime.InteropServices;
using EdgeBench.Inference.TorchSharp;
using EdgeBench.Inference.TorchSharp.Native;

namespace EdgeBench.IntegrationTests.TorchSharp;

/// <summary>The ELF reader and the GLIBCXX_3.4.32 weak-requirement fix, on the real libLibTorchSharp.so and libstdc++.</summary>
public sealed class LibStdCxxFixTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgebench-elf-" + Guid.NewGuid().ToString("N"));

    public LibStdCxxFixTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static bool OnLinuxX64 => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The pristine library in the NuGet cache (read only, never patched).</summary>
    private static string? PackagedLibrary()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibStdCxxFix.TorchSharpNative);
        return File.Exists(path) ? path : null;
    }

    [Fact]
    public void Reads_the_libstdcxx_requirements_of_the_packaged_library()
    {
        string? packaged = PackagedLibrary();
        if (!OnLinuxX64 || packaged is null)
        {
            return;
        }

        IReadOnlyList<ElfVersionNeed> needs = ElfSymbolVersions.ReadNeeds(File.ReadAllBytes(packaged));
        // readelf -V lists 20 libstdc++.so.6 versions (GLIBCXX_3.4 .. 3.4.32, CXXABI_1.3 .. 1.3.13) and libc's GLIBC_2.34.
        Assert.Equal(20, needs.Count(n => n.File == LibStdCxx));
        Assert.Contains(needs, n => n.File == "libc.so.6" && n.Version == "GLIBC_2.34");
        ElfVersionNeed target = Assert.Single(needs, n => n.Version == LibStdCxxFix.RequiredVersion);
        Assert.Equal(LibStdCxx, target.File);
        Assert.False(target.IsWeak, "the NuGet cache copy must never be patched");
    }

    [Fact]
    public void Reads_the_versions_the_host_libstdcxx_defines()
    {
        string? host = LibStdCxxFix.FindHostLibStdCxx();
        if (!OnLinuxX64 || host is null)
        {
            return;
        }

        IReadOnlyList<string> definitions = ElfSymbolVersions.ReadDefinitions(File.ReadAllBytes(host));
        Assert.Contains("GLIBCXX_3.4", definitions);
        Assert.Contains("GLIBCXX_3.4.26", definitions);
    }

    [Fact]
    public void MarkWeak_flips_exactly_one_flag_and_is_idempotent()
    {
        string? packaged = PackagedLibrary();
        if (!OnLinuxX64 || packaged is null)
        {
            return;
        }

        string copy = Path.Combine(_directory, LibStdCxxFix.TorchSharpNative);
        File.Copy(packaged, copy);
        byte[] before = File.ReadAllBytes(copy);

        Assert.True(LibStdCxxFix.MarkWeak(copy, LibStdCxx, LibStdCxxFix.RequiredVersion));
        byte[] after = File.ReadAllBytes(copy);
        int[] changed = [.. Enumerable.Range(0, before.Length).Where(i => before[i] != after[i])];
        ElfVersionNeed target = Assert.Single(ElfSymbolVersions.ReadNeeds(after), n => n.Version == LibStdCxxFix.RequiredVersion);
        Assert.True(target.IsWeak);
        // vna_flags is little-endian; VER_FLG_WEAK (0x2) lives in its low byte.
        Assert.Equal([(int)target.FlagsOffset], changed);
        Assert.All(ElfSymbolVersions.ReadNeeds(after).Where(n => n.Version != LibStdCxxFix.RequiredVersion), n => Assert.False(n.IsWeak));

        Assert.False(LibStdCxxFix.MarkWeak(copy, LibStdCxx, LibStdCxxFix.RequiredVersion));
        Assert.Equal(after, File.ReadAllBytes(copy));
    }

    [Fact]
    public void MarkWeak_refuses_the_NuGet_cache()
    {
        string? packaged = PackagedLibrary();
        if (!OnLinuxX64 || packaged is null)
        {
            return;
        }

        Assert.Throws<InvalidOperationException>(() => LibStdCxxFix.MarkWeak(packaged, LibStdCxx, LibStdCxxFix.RequiredVersion));
    }

    [Fact]
    public void Rejects_files_that_are_not_64_bit_ELF()
    {
        Assert.Throws<InvalidDataException>(() => ElfSymbolVersions.ReadNeeds(new byte[128]));
        byte[] truncated = new byte[64];
        "\u007fELF"u8.CopyTo(truncated);
        truncated[4] = 2;
        truncated[5] = 1;
        truncated[0x28] = 0xff; // section headers beyond the end of the file
        truncated[0x3A] = 64;
        truncated[0x3C] = 1;
        Assert.Throws<InvalidDataException>(() => ElfSymbolVersions.ReadNeeds(truncated));
    }

    [Fact]
    public void The_application_copy_is_patched_only_where_the_host_lacks_the_version()
    {
        if (!OnLinuxX64)
        {
            return;
        }

        (bool available, string reason) = TorchSharpAvailability.Check();
        Assert.True(available, reason);
        string? host = LibStdCxxFix.FindHostLibStdCxx();
        bool hostHasVersion = host is not null && ElfSymbolVersions.ReadDefinitions(File.ReadAllBytes(host)).Contains(LibStdCxxFix.RequiredVersion);
        foreach (string copy in LibStdCxxFix.AppLocalCopies(AppContext.BaseDirectory))
        {
            ElfVersionNeed target = Assert.Single(ElfSymbolVersions.ReadNeeds(File.ReadAllBytes(copy)), n => n.Version == LibStdCxxFix.RequiredVersion);
            // A host that has the version never gets a patched copy from this process (a copy patched earlier on
            // another host would stay weak, which is harmless there).
            if (!hostHasVersion)
            {
                Assert.True(target.IsWeak, $"{copy} was not patched although {host} lacks {LibStdCxxFix.RequiredVersion}");
            }
        }

        Assert.Contains("libstdc++ fix", reason, StringComparison.Ordinal);
    }

    private const string LibStdCxx = LibStdCxxFix.LibStdCxx;
}
