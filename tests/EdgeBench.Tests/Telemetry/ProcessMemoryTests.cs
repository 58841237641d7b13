using EdgeBench.Telemetry.Linux;

namespace EdgeBench.Tests.Telemetry;

// Fixtures are real /proc/<pid>/status texts captured on the 2-core EPYC VM (Linux 6.18): a Python process that
// touched 150 MiB and freed it (VmHWM far above VmRSS), the same process right after "5" was written to
// /proc/self/clear_refs (VmHWM back to VmRSS), and kthreadd, a kernel thread, which has no Vm lines at all.
public sealed class ProcessMemoryTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "proc", name));

    [Fact]
    public void Status_AfterFreeing_PeakAboveResident()
    {
        ProcessMemoryStatus status = ProcessMemory.ParseStatus(Fixture("status-after-free.txt"));
        Assert.Equal(13548L, status.RssKib);
        Assert.Equal(166972L, status.PeakRssKib);
    }

    [Fact]
    public void Status_AfterClearRefs_PeakIsResident()
    {
        ProcessMemoryStatus status = ProcessMemory.ParseStatus(Fixture("status-after-reset.txt"));
        Assert.Equal(13548L, status.RssKib);
        Assert.Equal(13548L, status.PeakRssKib);
    }

    [Fact]
    public void Status_KernelThread_HasNoFigures()
    {
        Assert.Equal(new ProcessMemoryStatus(null, null), ProcessMemory.ParseStatus(Fixture("status-kthreadd.txt")));
        Assert.Equal(default, ProcessMemory.ParseStatus(null));
    }

    [Theory]
    [InlineData("VmHWM:\t  1736 MB\nVmRSS:\t  1736 kB\n", null, 1736L)] // another unit is not guessed at
    [InlineData("VmHWM:\t  x kB\nVmRSS:\t  -5 kB\n", null, null)]
    [InlineData("VmHWM:\t    1736 kB\r\nVmRSS:\t    1700 kB\r\n", 1736L, 1700L)]
    [InlineData("VmHWMX:\t 99 kB\n", null, null)]
    public void Status_MalformedLines_GiveNull(string text, long? peak, long? rss)
    {
        ProcessMemoryStatus status = ProcessMemory.ParseStatus(text);
        Assert.Equal(peak, status.PeakRssKib);
        Assert.Equal(rss, status.RssKib);
    }

    [Fact]
    public void ToMib_DividesKibibytes()
    {
        Assert.Equal(163.05859375, ProcessMemoryStatus.ToMib(166972));
        Assert.Null(ProcessMemoryStatus.ToMib(null));
    }

    [Fact]
    public void ResetPeak_OnLinux_BringsThePeakDownToResident()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.NotNull(ProcessMemory.ResetPeak());
            return;
        }

        // Touch 64 MiB of native memory and free it: the peak stays up until the reset.
        IntPtr block = System.Runtime.InteropServices.Marshal.AllocHGlobal(64 << 20);
        unsafe
        {
            new Span<byte>((void*)block, 64 << 20).Fill(1);
        }

        System.Runtime.InteropServices.Marshal.FreeHGlobal(block);
        ProcessMemory.TrimNativeHeap();
        ProcessMemoryStatus before = ProcessMemory.ReadSelf();
        string? failure = ProcessMemory.ResetPeak();
        ProcessMemoryStatus after = ProcessMemory.ReadSelf();
        Assert.True(before.PeakRssKib - before.RssKib >= 32 << 10, $"peak {before.PeakRssKib} KiB, resident {before.RssKib} KiB before the reset");
        if (failure is not null)
        {
            // A sandbox without a writable clear_refs: the reason names the file, and the peak was left alone.
            Assert.Contains("/proc/self/clear_refs", failure, StringComparison.Ordinal);
            Assert.True(after.PeakRssKib >= before.PeakRssKib);
            return;
        }

        Assert.True(after.PeakRssKib < before.PeakRssKib - (32 << 10), $"peak {after.PeakRssKib} KiB after the reset, {before.PeakRssKib} KiB before");
    }
}
