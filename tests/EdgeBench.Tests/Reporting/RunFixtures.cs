namespace EdgeBench.Tests.Reporting;

/// <summary>
/// The committed run folders under TestData/runs (see its README: which are real runs of this machine and which
/// are derived from them) and temporary copies to break on purpose.
/// </summary>
internal static class RunFixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "TestData", "runs");

    /// <summary>A results root: amd-epyc (real) plus a Jetson Nano and a Raspberry Pi 3 B (derived).</summary>
    public static string ResultsRoot => Path.Combine(Root, "root");

    /// <summary>Real: SSD300 fp32 batch 1, first of two back-to-back runs of the same build.</summary>
    public static string SsdA => Path.Combine(ResultsRoot, "amd-epyc", SsdAId);

    /// <summary>Real: SSD300 fp32 batch 1, second of the two back-to-back runs (the latest amd-epyc run).</summary>
    public static string SsdB => Path.Combine(ResultsRoot, "amd-epyc", SsdBId);

    /// <summary>Real: MobileNetV2 fp32 and fp16 at batch 1 and 4, no accuracy.csv or models.csv.</summary>
    public static string MobileNet => Path.Combine(ResultsRoot, "amd-epyc", MobileNetId);

    /// <summary>Derived from <see cref="SsdB"/>: Preprocess and PreprocessMemoryCopy made 10% slower.</summary>
    public static string SsdSlower => Path.Combine(Root, "derived", "ssd-slower-10pct");

    /// <summary>Derived from <see cref="SsdB"/>: another ONNX Runtime, .NET and provider list.</summary>
    public static string SsdOtherSetup => Path.Combine(Root, "derived", "ssd-other-setup");

    /// <summary>Derived from <see cref="MobileNet"/>: the same rows plus accuracy.csv and models.csv, one fp16 case skipped.</summary>
    public static string MobileNetWithAccuracy => Path.Combine(Root, "derived", "mobilenet-with-accuracy");

    /// <summary>Real: MobileNetV2 single-stream and camera cases, fp32 and fp16, with frame traces (frames/).</summary>
    public static string FramesA => Path.Combine(Root, "derived", "mobilenet-frames-a");

    /// <summary>Real: the same, started right after <see cref="FramesA"/> with the same binaries.</summary>
    public static string FramesB => Path.Combine(Root, "derived", "mobilenet-frames-b");

    /// <summary>Derived from <see cref="FramesB"/>: every per-frame time multiplied by 1.10.</summary>
    public static string FramesSlower => Path.Combine(Root, "derived", "mobilenet-frames-slower-10pct");

    public const string SsdAId = "20261126-065921-28a4596";
    public const string SsdBId = "20261126-070105-28a4596";
    public const string MobileNetId = "20261126-065046-7c03740";

    public const string SsdPrefix = "EdgeBench.Benchmarks.Pipeline.SsdBenchmarks.";
    public const string SsdParameters = "(Model: ssd300, Precision: fp32, Batch: 1, Backend: ort-cpu)";

    /// <summary>The repository's results/devices.csv: tests read the committed catalog itself.</summary>
    public static string Catalog
    {
        get
        {
            string? directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "EdgeBench.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            return Path.Combine(directory ?? throw new InvalidOperationException("EdgeBench.sln not found above the test folder"), "results", "devices.csv");
        }
    }

    /// <summary>Copies a fixture folder into <paramref name="parent"/> (under the same name) to modify it.</summary>
    public static string CopyTo(string source, string parent)
    {
        string target = Path.Combine(parent, Path.GetFileName(source));
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
