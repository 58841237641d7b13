using System.Globalization;
using System.IO.Compression;
using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public sealed class FrameTraceCsvTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgebench-frames-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Writes_the_documented_columns_in_milliseconds_from_the_first_capture()
    {
        FrameTrace trace = SampleTrace();
        string path = Path.Combine(_directory, "frames", "case.csv");

        FrameTraceCsv.Write(trace, path);

        Assert.Equal(
            [
                "frame,capture_ms,wait_ms,to_tensor_ms,preprocess_ms,inference_ms,postprocess_ms,total_ms,dropped,device_done_ms",
                "4,0.0000,,,,,,,1,",
                "5,33.3330,1.5000,0.2500,2.0000,10.0010,0.7500,14.5010,0,12.2000",
                "6,66.6670,0.0000,0.1000,0.1000,0.1000,0.1000,0.4000,0,",
            ],
            ReadLines(path));
    }

    [Fact]
    public void Output_does_not_depend_on_the_current_culture()
    {
        FrameTrace trace = SampleTrace();
        string invariantPath = Path.Combine(_directory, "invariant.csv.gz");
        string germanPath = Path.Combine(_directory, "german.csv.gz");
        FrameTraceCsv.Write(trace, invariantPath);

        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            FrameTraceCsv.Write(trace, germanPath);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        Assert.Equal(ReadLines(invariantPath), ReadLines(germanPath));
    }

    [Fact]
    public void Reads_back_what_it_wrote()
    {
        string path = Path.Combine(_directory, "case.csv.gz");
        FrameTraceCsv.Write(SampleTrace(), path);

        FrameTraceSamples samples = FrameTraceCsv.Read(path);

        Assert.Equal([4L, 5L, 6L], samples.Frame);
        Assert.Equal([false, true, true], samples.Dropped.Select(d => !d));
        Assert.True(double.IsNaN(samples.TotalMilliseconds[0]));
        Assert.Equal([14.501, 0.4], samples.ProcessedTotals());
        Assert.Equal([10.001, 0.1], samples.ProcessedOnly(samples.InferenceMilliseconds));
        Assert.Equal(12.2, samples.ExtraMarksMilliseconds["device_done"][1]);
        Assert.True(double.IsNaN(samples.ExtraMarksMilliseconds["device_done"][2]));
    }

    [Fact]
    public void A_file_with_another_header_is_rejected_naming_the_expected_one()
    {
        string path = Path.Combine(_directory, "other.csv.gz");
        Directory.CreateDirectory(_directory);
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        using (var writer = new StreamWriter(gzip))
        {
            writer.WriteLine("frame,latency_ms");
        }

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => FrameTraceCsv.Read(path));
        Assert.Contains("frame,capture_ms,wait_ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_write_leaves_no_partial_file_behind()
    {
        // The target is a directory, so the final rename fails after every row was written to the temporary file.
        string target = Path.Combine(_directory, "case.csv.gz");
        Directory.CreateDirectory(target);

        Assert.ThrowsAny<IOException>(() => FrameTraceCsv.Write(SampleTrace(), target));

        Assert.Equal([target], Directory.GetFileSystemEntries(_directory));
        Assert.Empty(Directory.GetFileSystemEntries(target));
    }

    [Fact]
    public void Rewriting_replaces_the_whole_file()
    {
        string path = Path.Combine(_directory, "case.csv.gz");
        FrameTraceCsv.Write(SampleTrace(), path);
        var shorter = new FrameTrace(1, 1_000_000);
        shorter.RecordDropped(0, 0);

        FrameTraceCsv.Write(shorter, path);

        Assert.Equal(1, FrameTraceCsv.Read(path).Count);
        Assert.Single(Directory.GetFiles(_directory));
    }

    /// <summary>Microsecond ticks: a dropped frame, a frame with every stage and the extra mark, one without the mark.</summary>
    private static FrameTrace SampleTrace()
    {
        var trace = new FrameTrace(8, 1_000_000, ["device_done"]);
        trace.RecordDropped(4, 1_000_000);

        trace.BeginBatch([5], [1_033_333], 1_034_833);
        trace.MarkStage(FrameStage.ToTensor, 1_035_083);
        trace.MarkStage(FrameStage.Preprocess, 1_037_083);
        trace.MarkExtra(0, 1_047_033);
        trace.MarkStage(FrameStage.Inference, 1_047_083 + 1);
        trace.MarkStage(FrameStage.Postprocess, 1_047_834);
        trace.EndBatch();

        trace.BeginBatch([6], [1_066_667], 1_066_667);
        trace.MarkStage(FrameStage.ToTensor, 1_066_767);
        trace.MarkStage(FrameStage.Preprocess, 1_066_867);
        trace.MarkStage(FrameStage.Inference, 1_066_967);
        trace.MarkStage(FrameStage.Postprocess, 1_067_067);
        trace.EndBatch();
        return trace;
    }

    private static string[] ReadLines(string path)
    {
        // Plain text unless the name ends in .gz (run folders keep plain text).
        using Stream file = File.OpenRead(path);
        using Stream body = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(body);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
