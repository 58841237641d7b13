using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// What recording a frame trace costs the scenarios' loop per batch: the five clock reads and stores of one batch
/// (start, four stage ends) into the preallocated trace, and the batch's close. The baseline is the five clock reads
/// alone, so the ratio column says what the stores add; either way the cost is per batch, beside frame times of
/// milliseconds.
/// </summary>
[BenchmarkCategory("frames")]
public class FrameTraceBenchmarks
{
    private const int Capacity = 1 << 16;
    private FrameTrace _trace = new(1, Stopwatch.Frequency);
    private long[] _frameNumbers = [];
    private long[] _captureTicks = [];

    /// <summary>Frames per batch: each frame is a row of the trace.</summary>
    [ParamsSource(nameof(BatchValues))]
    public int Batch { get; set; } = 1;

    /// <summary>1 and 8; none when --model picks models (this measures the harness, not a model).</summary>
    public static IEnumerable<int> BatchValues => RunSettings.FromEnvironment().Models.Count == 0 ? [1, 8] : [];

    [GlobalSetup]
    public void Setup()
    {
        EdgeBenchmark.SkipIfInterrupted(this);
        _trace = new FrameTrace(Capacity, Stopwatch.Frequency);
        _frameNumbers = new long[Batch];
        _captureTicks = new long[Batch];
    }

    /// <summary>The clock reads a traced batch makes, without recording them.</summary>
    [Benchmark(Baseline = true)]
    [Stage(Categories.EndToEnd, "trace-clock-reads")]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "BenchmarkDotNet runs instance methods.")]
    public long ClockReadsOnly()
    {
        long sum = Stopwatch.GetTimestamp();
        sum += Stopwatch.GetTimestamp();
        sum += Stopwatch.GetTimestamp();
        sum += Stopwatch.GetTimestamp();
        sum += Stopwatch.GetTimestamp();
        return sum;
    }

    /// <summary>One batch recorded as the scenario runner records it.</summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, "trace-recording")]
    public int RecordBatch()
    {
        if (_trace.Remaining < Batch)
        {
            _trace.Clear();
        }

        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < _frameNumbers.Length; i++)
        {
            _frameNumbers[i] = _trace.Count + i;
            _captureTicks[i] = start;
        }

        _trace.BeginBatch(_frameNumbers, _captureTicks, start);
        _trace.MarkStage(FrameStage.ToTensor, Stopwatch.GetTimestamp());
        _trace.MarkStage(FrameStage.Preprocess, Stopwatch.GetTimestamp());
        _trace.MarkStage(FrameStage.Inference, Stopwatch.GetTimestamp());
        _trace.MarkStage(FrameStage.Postprocess, Stopwatch.GetTimestamp());
        _trace.EndBatch();
        return _trace.Count;
    }
}
