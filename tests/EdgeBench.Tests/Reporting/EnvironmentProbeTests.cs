using EdgeBench.Reporting.Environment;

namespace EdgeBench.Tests.Reporting;

public class EnvironmentProbeTests
{
    [Fact]
    public void Cpu_model_from_x86_cpuinfo()
    {
        const string cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n";

        Assert.Equal("AMD EPYC 7B13", EnvironmentProbe.ParseCpuModel(cpuinfo));
    }

    [Fact]
    public void Cpu_model_from_raspberry_pi_cpuinfo()
    {
        // Raspberry Pi OS (arm64) prints no "model name"; the board is in "Model".
        const string cpuinfo = "processor\t: 0\nBogoMIPS\t: 108.00\nCPU part\t: 0xd08\n\nHardware\t: BCM2835\nRevision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n";

        Assert.Equal("Raspberry Pi 4 Model B Rev 1.4", EnvironmentProbe.ParseCpuModel(cpuinfo));
    }

    [Theory]
    [InlineData("NVIDIA Jetson Nano Developer Kit", "nvidia-jetson-nano-developer-kit")]
    [InlineData("Raspberry Pi 4 Model B Rev 1.4", "raspberry-pi-4-model-b-rev-1-4")]
    [InlineData("NVIDIA H100 80GB HBM3", "nvidia-h100-80gb-hbm3")]
    [InlineData("  --  ", "unknown-device")]
    public void Device_ids_are_slugs(string model, string expected)
    {
        Assert.Equal(expected, EnvironmentProbe.Slug(model));
    }

    [Fact]
    public void Meminfo_and_os_release()
    {
        Assert.Equal(24105, EnvironmentProbe.ParseMemTotalMb("MemTotal:       24683600 kB\nMemFree: 1 kB\n"));
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", EnvironmentProbe.ParseOsPrettyName("NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"));
    }

    [Theory]
    [InlineData("SOC family:tegra210  Machine:NVIDIA Jetson Nano\ncpu0: Online=1 Governor=schedutil MinFreq=1479000 MaxFreq=1479000 CurrentFreq=1479000\ncpu1: Online=1 Governor=schedutil MinFreq=1479000 MaxFreq=1479000 CurrentFreq=1479000\n", true)]
    [InlineData("cpu0: Online=1 Governor=schedutil MinFreq=102000 MaxFreq=1479000 CurrentFreq=1479000\n", false)]
    [InlineData("no cpu lines here\n", null)]
    public void Jetson_clocks_are_locked_when_min_equals_max(string show, bool? expected)
    {
        Assert.Equal(expected, EnvironmentProbe.ParseJetsonClocksLocked(show));
    }

    [Fact]
    public void Environment_json_round_trips()
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgebench-env-{Guid.NewGuid():N}.json");
        try
        {
            var info = new EnvironmentInfo { DeviceId = "x", OnnxRuntimeProviders = ["CPUExecutionProvider"], GitDirty = true, GpuUuid = "GPU-1f2e" };
            info.Write(path);

            EnvironmentInfo read = EnvironmentInfo.Read(path);
            Assert.Equal(("x", true, "CPUExecutionProvider", "GPU-1f2e"), (read.DeviceId, read.GitDirty, read.OnnxRuntimeProviders.Single(), read.GpuUuid));
            Assert.Contains("\"device_id\": \"x\"", File.ReadAllText(path), StringComparison.Ordinal);
            Assert.Contains("\"gpu_uuid\": \"GPU-1f2e\"", File.ReadAllText(path), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
