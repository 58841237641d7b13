using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Fused;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Postprocessing;
using EdgeBench.Preprocessing;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using System.Runtime.InteropServices;
using EdgeBench.Models.Architectures;
using EdgeBench.Models.Onnx;
using Xunit.Abstractions;

namespace EdgeBench.Tests.Models;

/// <summary>
/// The fused SSD graph (preprocess + SSD300 + decode + NMS with fixed-shape outputs) against the C# pipeline and a
/// brute-force expectation, on the ONNX Runtime CPU EP.
/// </summary>
public sealed class FusedSsdGraphTests(ITestOutputHelper output) : IDisposable
{
    // The fused preprocess is ONNX Resize (linear, half_pixel) where the C# one is a separable table-driven bilinear
    // with the same sampling positions: they differ only in float rounding of the coordinates and weights (ONNX
    // Runtime computes them in float, the C# tables in double) and in summation order. Measured on 640x480 -> 300x300
    // frames (ONNX Runtime 1.31 CPU EP, x86-64): at most 5.5e-5 in the normalized -1..1 range (the test prints it),
    // i.e. 0.7% of one 8-bit level (2/255 = 7.8e-3). The bound leaves room for other CPUs' rounding.
    private const float PreprocessTolerance = 2e-4f;

    // End to end, the input differences above move the logits by ~1e-5 and the scores by less than that relative;
    // scores are compared at 1e-3 relative and boxes by IoU.
    private const float ScoreRelativeTolerance = 1e-3f;
    private const float MatchIoU = 0.9f;
    private const int TopDetectionsCompared = 20;

    private readonly string _models = Directory.CreateTempSubdirectory("edgebench-fused-").FullName;

    public void Dispose() => Directory.Delete(_models, recursive: true);

    [Theory]
    [InlineData(FusedNms.Matrix)]
    [InlineData(FusedNms.Operator)]
    public void Decode_graph_matches_a_brute_force_expectation_on_a_tiny_hand_made_case(FusedNms nms)
    {
        // Six default boxes: two near-duplicates, a far one, a duplicate of the first, a large one, a near one of the
        // far one; 3 classes (background + 2), the best 5 boxes per class, K = 8 of those 10 pairs, at most 4 detections.
        float[] cx = [0.30f, 0.31f, 0.70f, 0.30f, 0.50f, 0.72f];
        float[] cy = [0.30f, 0.30f, 0.70f, 0.30f, 0.50f, 0.70f];
        float[] w = [0.20f, 0.20f, 0.20f, 0.18f, 0.40f, 0.20f];
        float[] h = [0.20f, 0.20f, 0.20f, 0.22f, 0.40f, 0.20f];
        var spec = new FusedSsdSpec
        {
            FrameWidth = 2, FrameHeight = 2,
            PriorCenterX = cx, PriorCenterY = cy, PriorWidth = w, PriorHeight = h,
            Classes = 3, Candidates = 8, CandidatesPerClass = 5, MaxDetections = 4, Nms = nms,
        };
        const int batch = 3, boxes = 6, classes = 3;
        var random = new Random(11);
        float[] locs = Enumerable.Range(0, batch * 4 * boxes).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        float[] logits = Enumerable.Range(0, batch * classes * boxes).Select(_ => (float)(random.NextDouble() * 4)).ToArray();
        // Image 2: background wins everywhere, so nothing passes 0.05 and every slot must be empty.
        for (int i = 0; i < boxes; i++)
        {
            logits[(2 * classes * boxes) + i] = 20f;
        }

        (float[] scores, float[] labels, float[] outBoxes) = RunDecode(spec, locs, logits, batch);
        for (int n = 0; n < batch; n++)
        {
            List<Detection> expected = BruteForce(spec, locs, logits, n);
            output.WriteLine($"image {n}: {expected.Count} expected detections");
            for (int d = 0; d < spec.MaxDetections; d++)
            {
                int slot = (n * spec.MaxDetections) + d;
                if (d >= expected.Count)
                {
                    Assert.True(scores[slot] <= 0f, $"image {n} slot {d} should be empty, score {scores[slot]}");
                    continue;
                }

                Detection e = expected[d];
                Assert.Equal(e.Score, scores[slot], 1e-6f);
                Assert.Equal(e.ClassId, (int)labels[slot]);
                Assert.Equal(e.Box.Left, outBoxes[slot * 4], 1e-6f);
                Assert.Equal(e.Box.Top, outBoxes[(slot * 4) + 1], 1e-6f);
                Assert.Equal(e.Box.Right, outBoxes[(slot * 4) + 2], 1e-6f);
                Assert.Equal(e.Box.Bottom, outBoxes[(slot * 4) + 3], 1e-6f);
            }
        }

        Assert.Empty(BruteForce(spec, locs, logits, 2));
    }

    [Fact]
    public void Matrix_NMS_reaches_greedy_NMS_on_a_long_suppression_chain()
    {
        // 40 boxes of one class in a row, each 0.1 wide and 0.02 right of the previous one, scores falling along the
        // row: neighbours overlap at IoU 0.67 (> 0.5), boxes two apart at 0.43. Greedy keeps every second box (0, 2,
        // 4, ...); deciding box i needs the decision on box i-1, so the fixed-point iteration must run about 40 steps
        // (20 Loop iterations) before it stops changing. One step alone ("Fast NMS") would keep box 0 only.
        const int boxes = 40;
        float[] cx = Enumerable.Range(0, boxes).Select(i => 0.1f + (0.02f * i)).ToArray();
        var spec = new FusedSsdSpec
        {
            FrameWidth = 2, FrameHeight = 2,
            PriorCenterX = cx, PriorCenterY = [.. Enumerable.Repeat(0.5f, boxes)],
            PriorWidth = [.. Enumerable.Repeat(0.1f, boxes)], PriorHeight = [.. Enumerable.Repeat(0.1f, boxes)],
            Classes = 2, Candidates = boxes, MaxDetections = 30,
        };
        float[] locs = new float[4 * boxes]; // zero offsets: each decoded box is its default box
        float[] logits = new float[2 * boxes];
        for (int i = 0; i < boxes; i++)
        {
            logits[boxes + i] = 8f - (0.1f * i); // class 1, falling; background stays 0
        }

        (float[] scores, float[] labels, float[] outBoxes) = RunDecode(spec, locs, logits, batch: 1);
        List<Detection> expected = BruteForce(spec, locs, logits, 0);
        List<Detection> actual = ToDetections(scores, labels, outBoxes, 1, spec.MaxDetections);
        Assert.Equal(boxes / 2, expected.Count);
        Assert.Equal(expected.Select(d => d.Box.Left), actual.Select(d => d.Box.Left));
        Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First.Score, pair.Second.Score, 1e-6f)); // softmax in double vs float
    }

    [Theory]
    [InlineData(Precision.Fp32)]
    [InlineData(Precision.Fp16)] // ladder level 4 runs the fp16 SSD300: its outputs differ slightly, so its NMS may too
    public void Unrolled_matrix_NMS_converges_on_the_benchmark_frames_within_the_ladder_step_count(Precision precision)
    {
        // The ladder's frames (the synthetic video, frames 0-15: the ring of batch 8) through the catalog's SSD300 (calibrated: ~680
        // candidates and 200 detections per frame), then the decode graph with NMS unrolled: every image must reach
        // greedy NMS's fixed point within FusedSsdSpec.DefaultNmsSteps steps, or the ladder's fast path would keep
        // falling back to the Loop form; and the default must not be padded more than a step beyond what they need.
        var store = new ModelStore(_models);
        ResolvedModel model = store.Resolve(ModelCatalog.Ssd300, precision);
        FrameBuffer[] frames = Enumerable.Range(0, 16).Select(VideoFrame).ToArray();
        using var pipeline = new VisionPipeline(new OrtBackend(model, frames.Length), 640, 480);
        pipeline.ToTensor(frames);
        pipeline.Preprocess();
        pipeline.Infer();
        static float[] AsFloats(HostTensor t) => t.ElementType == Precision.Fp32 ? t.AsFloat().ToArray() : [.. t.AsHalf().ToArray().Select(h => (float)h)];
        float[] locs = AsFloats(pipeline.Backend.Outputs[0]);
        float[] logits = AsFloats(pipeline.Backend.Outputs[1]);
        FusedSsdSpec exact = FusedSsdReferenceSpec.For(model.Descriptor, 640, 480);
        (float[] exactScores, _, _, float[] exactConverged) = RunDecodeWithConvergence(exact, locs, logits, frames.Length);
        Assert.All(exactConverged, c => Assert.Equal(1f, c));

        int needed = 0;
        for (int steps = 2; steps <= 64; steps++)
        {
            (float[] scores, _, _, float[] converged) = RunDecodeWithConvergence(exact with { NmsSteps = steps }, locs, logits, frames.Length);
            output.WriteLine($"{steps} steps: {converged.Count(c => c == 1f)} of {frames.Length} images at the fixed point");
            if (converged.All(c => c == 1f))
            {
                Assert.Equal(exactScores, scores);
                needed = steps;
                break;
            }
        }

        // Enough steps, and (for fp32, what the count was chosen on) not padded by more than one step beyond the need.
        Assert.InRange(needed, precision == Precision.Fp32 ? FusedSsdSpec.DefaultNmsSteps - 1 : 2, FusedSsdSpec.DefaultNmsSteps);
    }

    [Fact]
    public void Matrix_and_operator_NMS_keep_the_same_detections_on_recorded_style_outputs()
    {
        FusedSsdSpec matrix = FusedSsdReferenceSpec.For(ModelCatalog.Get(ModelCatalog.Ssd300), 640, 480);
        FusedSsdSpec onnxOperator = matrix with { Nms = FusedNms.Operator };
        const int batch = 3;
        float[] locs = new float[batch * 4 * matrix.Boxes];
        float[] logits = new float[batch * matrix.Classes * matrix.Boxes];
        SyntheticDetectionOutputs.FillSsd(locs, logits, batch, candidatesPerImage: 900, objectCount: 40, seed: 3);

        (float[] scoresA, float[] labelsA, float[] boxesA) = RunDecode(matrix, locs, logits, batch);
        (float[] scoresB, float[] labelsB, float[] boxesB) = RunDecode(onnxOperator, locs, logits, batch);
        List<Detection> a = ToDetections(scoresA, labelsA, boxesA, batch, matrix.MaxDetections);
        List<Detection> b = ToDetections(scoresB, labelsB, boxesB, batch, matrix.MaxDetections);
        output.WriteLine($"matrix: {a.Count} detections, operator: {b.Count}");
        Assert.True(a.Count > batch * 50, $"only {a.Count} detections: the case does not exercise NMS");
        Assert.Equal(b.Count, a.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(b[i].BatchIndex, a[i].BatchIndex);
            Assert.Equal(b[i].ClassId, a[i].ClassId);
            Assert.Equal(b[i].Score, a[i].Score);
            // The operator form's class offset rounds coordinates by ~1e-5; the matrix form's are the decoded ones.
            Assert.True(b[i].Box.IoU(a[i].Box) > 0.9999f, $"detection {i}: {b[i].Box} vs {a[i].Box}");
        }
    }

    [Fact]
    public void Decode_graph_agrees_with_the_CSharp_postprocess_on_recorded_style_outputs()
    {
        // 600 candidates per image around 12 objects (the postprocess benchmarks' load): fewer than K = 1000, so the
        // global pre-selection drops nothing the C# per-class top-200 keeps, and only NMS's tie rule (> vs >=) differs.
        FusedSsdSpec spec = FusedSsdReferenceSpec.For(ModelCatalog.Get(ModelCatalog.Ssd300), 640, 480);
        const int batch = 2;
        float[] locs = new float[batch * 4 * spec.Boxes];
        float[] logits = new float[batch * spec.Classes * spec.Boxes];
        SyntheticDetectionOutputs.FillSsd(locs, logits, batch, candidatesPerImage: 600, objectCount: 12, seed: 7);

        (float[] scores, float[] labels, float[] boxes) = RunDecode(spec, locs, logits, batch);
        var expected = new List<Detection>();
        new SsdPostprocessor().Process(locs, logits, batch, expected);
        List<Detection> actual = ToDetections(scores, labels, boxes, batch, spec.MaxDetections);

        output.WriteLine($"C#: {expected.Count} detections, fused: {actual.Count}");
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].BatchIndex, actual[i].BatchIndex);
            Assert.Equal(expected[i].ClassId, actual[i].ClassId);
            Assert.Equal(expected[i].Score, actual[i].Score, 1e-6f);
            Assert.True(expected[i].Box.IoU(actual[i].Box) > 0.9999f, $"detection {i}: {expected[i].Box} vs {actual[i].Box}");
        }
    }

    [Theory]
    [InlineData(640, 300)]
    [InlineData(480, 300)]
    [InlineData(1080, 300)] // 300/1080 in float times 1080 truncates to 299: the scale must be raised by an ulp
    [InlineData(1920, 300)]
    [InlineData(720, 416)]
    public void Resize_scale_gives_exactly_the_model_size_and_stays_within_an_ulp_or_two_of_the_ratio(int input, int output)
    {
        float scale = FusedSsdGraph.ResizeScale(input, output);
        Assert.Equal(output, (long)(input * scale)); // ONNX Runtime's output size
        Assert.InRange(scale, (float)output / input, MathF.BitIncrement(MathF.BitIncrement((float)output / input)));
    }

    [Fact]
    public void Preprocess_graph_matches_the_CSharp_preprocessor()
    {
        ModelDescriptor ssd = ModelCatalog.Get(ModelCatalog.Ssd300);
        FusedSsdSpec spec = FusedSsdReferenceSpec.For(ssd, 640, 480);
        FrameBuffer[] frames = [NoiseFrame(seed: 3), VideoFrame(5)];
        byte[] packed = frames.SelectMany(f => f.Pixels.ToArray()).ToArray();

        using var session = new InferenceSession(FusedSsdGraph.BuildPreprocess(spec).ToByteArray());
        using var input = OrtValue.CreateTensorValueFromMemory(packed, [frames.Length, 480, 640, 3]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [FusedSsdGraph.FramesInput], [input], [FusedSsdGraph.PreprocessedOutput]);
        ReadOnlySpan<float> fused = results[0].GetTensorDataAsSpan<float>();

        var preprocessor = new Preprocessor(ssd, 640, 480);
        float[] expected = new float[fused.Length];
        preprocessor.RunBatch(frames, expected);
        float maxDifference = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            maxDifference = MathF.Max(maxDifference, MathF.Abs(expected[i] - fused[i]));
        }

        output.WriteLine($"max |fused - C#| over {expected.Length} values: {maxDifference:E2}");
        Assert.True(maxDifference <= PreprocessTolerance, $"max difference {maxDifference}");
    }

    [Fact]
    public void Fused_graph_detections_agree_with_the_CSharp_pipeline_on_the_same_frames()
    {
        // The catalog's SSD300 with sharper confidence heads (x4 gain on top of the catalog's calibration) and a
        // background bias of +8 set here, so that the noise frame gives thousands of candidates (more than K, so the
        // global pre-selection is exercised) and the video frame about a hundred detections, whatever the catalog's
        // calibration becomes. Counts are not asserted; what must hold: the top 20 detections of each side are found
        // on the other side (same class, IoU > 0.9, score within 1e-3 relative), and an image without detections
        // has none on either side.
        var store = new ModelStore(_models);
        ResolvedModel catalog = store.Resolve(ModelCatalog.Ssd300, Precision.Fp32);
        ModelProto ssd = OnnxFiles.Read(catalog.Path);
        SharpenConfidenceHeads(ssd, gain: 4f, backgroundBias: 8f);
        string path = Path.Combine(_models, "ssd300-sharp.onnx");
        string fusedPath = Path.Combine(_models, "ssd300-sharp-fused.onnx");
        FusedSsdSpec spec = FusedSsdReferenceSpec.For(catalog.Descriptor, 640, 480);
        File.WriteAllBytes(path, ssd.ToByteArray());
        File.WriteAllBytes(fusedPath, FusedSsdGraph.Build(ssd, spec).ToByteArray());
        ResolvedModel model = catalog with { Path = path };
        FrameBuffer[] frames = [NoiseFrame(seed: 1), VideoFrame(0)];

        using var runner = new OrtFusedSsdRunner(new FusedSsdModel(fusedPath, model, spec), frames.Length, new OrtBackendOptions(), deviceBound: false);
        runner.LoadFrames(frames);
        runner.Run();
        var fused = new List<Detection>();
        runner.ReadDetections(fused);

        using var pipeline = new VisionPipeline(new OrtBackend(model, frames.Length), 640, 480);
        pipeline.ProcessBatch(frames);
        IReadOnlyList<Detection> reference = pipeline.Detections;

        output.WriteLine($"{pipeline.LastCandidateCount} candidates in the batch (C#)");
        Assert.True(reference.Count > 0, "the sharpened model gives no detections on these frames: raise the gain or lower the bias so the comparison is not vacuous");
        for (int n = 0; n < frames.Length; n++)
        {
            Detection[] a = fused.Where(d => d.BatchIndex == n).ToArray();
            Detection[] b = reference.Where(d => d.BatchIndex == n).ToArray();
            output.WriteLine($"image {n}: fused {a.Length} detections, C# pipeline {b.Length}");
            Assert.Equal(a.Length == 0, b.Length == 0);
            AssertFound(a, b, "fused", "C#");
            AssertFound(b, a, "C#", "fused");
        }

        // The ladder's loop body (frames in, run, detections out) allocates nothing once warm.
        long before = GC.GetAllocatedBytesForCurrentThread();
        runner.LoadFrames(frames);
        runner.Run();
        runner.ReadDetections(fused);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Runner_reruns_with_exact_NMS_when_the_unrolled_steps_fall_short_and_gives_the_same_detections()
    {
        // The ladder's fused files: NMS unrolled with its exact (Loop) companion. Two steps cannot finish the
        // benchmark frames (they need 7-11), so every call must rerun with the exact form; the default count needs no rerun;
        // all three give the exact form's detections.
        var store = new ModelStore(_models);
        FusedSsdSpec exactSpec = FusedSsdReferenceSpec.For(ModelCatalog.Get(ModelCatalog.Ssd300), 640, 480);
        FrameBuffer[] frames = [VideoFrame(0), VideoFrame(1)];
        List<Detection> Detect(FusedSsdSpec spec, out int reruns, out string? exactPath)
        {
            FusedSsdModel model = FusedSsdModels.Resolve(store, ModelCatalog.Ssd300, Precision.Fp32, spec);
            exactPath = model.Exact?.Path;
            using var runner = new OrtFusedSsdRunner(model, frames.Length, new OrtBackendOptions(), deviceBound: false);
            runner.LoadFrames(frames);
            runner.Run();
            var detections = new List<Detection>();
            runner.ReadDetections(detections);
            reruns = runner.ExactReruns;
            return detections;
        }

        List<Detection> exact = Detect(exactSpec, out int exactReruns, out string? none);
        List<Detection> short2 = Detect(exactSpec with { NmsSteps = 2 }, out int shortReruns, out string? companion);
        List<Detection> enough = Detect(exactSpec with { NmsSteps = FusedSsdSpec.DefaultNmsSteps }, out int enoughReruns, out _);

        Assert.Null(none);
        Assert.NotNull(companion);
        Assert.Equal((0, 1, 0), (exactReruns, shortReruns, enoughReruns));
        Assert.True(exact.Count >= 100, $"{exact.Count} detections");
        Assert.Equal(exact, short2);
        Assert.Equal(exact, enough);
    }

    [Fact]
    public void Fused_file_is_cached_beside_the_models_and_rebuilt_when_the_source_model_changes()
    {
        var store = new ModelStore(_models);
        FusedSsdSpec spec = FusedSsdReferenceSpec.For(ModelCatalog.Get(ModelCatalog.Ssd300), 640, 480);
        FusedSsdModel first = FusedSsdModels.Resolve(store, ModelCatalog.Ssd300, Precision.Fp32, spec);
        DateTime built = File.GetLastWriteTimeUtc(first.Path);
        Assert.StartsWith(Path.Combine(_models, "generated"), first.Path, StringComparison.Ordinal);
        Assert.True(File.Exists(first.Path + ".stamp"));

        Assert.Equal(built, File.GetLastWriteTimeUtc(FusedSsdModels.Resolve(store, ModelCatalog.Ssd300, Precision.Fp32, spec).Path));

        // The user's own SSD300 (here: the generated one with other head biases) replaces the source: rebuilt.
        ModelProto ssd = OnnxFiles.Read(first.Source.Path);
        SharpenConfidenceHeads(ssd, gain: 1f, backgroundBias: 0f);
        File.WriteAllBytes(Path.Combine(_models, ModelCatalog.Ssd300 + ".onnx"), ssd.ToByteArray());
        FusedSsdModel second = FusedSsdModels.Resolve(store, ModelCatalog.Ssd300, Precision.Fp32, spec);
        Assert.Equal(first.Path, second.Path);
        Assert.Equal(ModelSource.User, second.Source.Source);
        Assert.NotEqual(built, File.GetLastWriteTimeUtc(second.Path));
    }

    /// <summary>
    /// Multiplies every confidence head's weights by <paramref name="gain"/> and sets the background class's bias
    /// offset (channels 0..nd-1 of conf.i.bias) to <paramref name="backgroundBias"/> in place of the catalog's.
    /// </summary>
    private static void SharpenConfidenceHeads(ModelProto ssd, float gain, float backgroundBias)
    {
        for (int i = 0; i < Ssd300.DefaultBoxesPerCell.Length; i++)
        {
            Scale(ssd.Graph.Initializer.Single(t => t.Name == $"conf.{i}.weight"), (_, v) => v * gain);
            int backgroundChannels = Ssd300.DefaultBoxesPerCell[i];
            Scale(ssd.Graph.Initializer.Single(t => t.Name == $"conf.{i}.bias"),
                (j, v) => j < backgroundChannels ? v + backgroundBias - ModelCatalog.SsdBackgroundBias : v);
        }

        static void Scale(TensorProto tensor, Func<int, float, float> map)
        {
            float[] values = MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
            for (int j = 0; j < values.Length; j++)
            {
                values[j] = map(j, values[j]);
            }

            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        }
    }

    /// <summary>Every one of the top <see cref="TopDetectionsCompared"/> of <paramref name="from"/> has a match in <paramref name="to"/>.</summary>
    private static void AssertFound(Detection[] from, Detection[] to, string fromName, string toName)
    {
        foreach (Detection d in from.Take(TopDetectionsCompared))
        {
            bool found = to.Any(o => o.ClassId == d.ClassId
                && o.Box.IoU(d.Box) > MatchIoU
                && MathF.Abs(o.Score - d.Score) <= ScoreRelativeTolerance * d.Score);
            Assert.True(found, $"{fromName} detection {d} has no {toName} match");
        }
    }

    private static (float[] Scores, float[] Labels, float[] Boxes) RunDecode(FusedSsdSpec spec, float[] locs, float[] logits, int batch)
    {
        (float[] scores, float[] labels, float[] boxes, float[] converged) = RunDecodeWithConvergence(spec, locs, logits, batch);
        Assert.All(converged, c => Assert.Equal(1f, c));
        return (scores, labels, boxes);
    }

    private static (float[] Scores, float[] Labels, float[] Boxes, float[] Converged) RunDecodeWithConvergence(FusedSsdSpec spec, float[] locs, float[] logits, int batch)
    {
        ModelProto model = FusedSsdGraph.BuildDecode(spec);
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var locValue = OrtValue.CreateTensorValueFromMemory(locs, [batch, 4, spec.Boxes]);
        using var logitValue = OrtValue.CreateTensorValueFromMemory(logits, [batch, spec.Classes, spec.Boxes]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions,
            [FusedSsdGraph.LocsInput, FusedSsdGraph.LogitsInput], [locValue, logitValue],
            [FusedSsdGraph.ScoresOutput, FusedSsdGraph.LabelsOutput, FusedSsdGraph.BoxesOutput, FusedSsdGraph.ConvergedOutput]);
        Assert.Equal(new long[] { batch, spec.MaxDetections }, results[0].GetTensorTypeAndShape().Shape);
        Assert.Equal(new long[] { batch, spec.MaxDetections, 4 }, results[2].GetTensorTypeAndShape().Shape);
        Assert.Equal(new long[] { batch, 1 }, results[3].GetTensorTypeAndShape().Shape);
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<float>().ToArray(),
            results[2].GetTensorDataAsSpan<float>().ToArray(), results[3].GetTensorDataAsSpan<float>().ToArray());
    }

    private static List<Detection> ToDetections(float[] scores, float[] labels, float[] boxes, int batch, int slots)
    {
        var result = new List<Detection>();
        for (int n = 0; n < batch; n++)
        {
            for (int d = 0; d < slots && scores[(n * slots) + d] > 0f; d++)
            {
                int s = (n * slots) + d;
                result.Add(new Detection(new BoundingBox(boxes[s * 4], boxes[(s * 4) + 1], boxes[(s * 4) + 2], boxes[(s * 4) + 3]), (int)labels[s], scores[s], n));
            }
        }

        return result;
    }

    /// <summary>
    /// The fused graph's definition written plainly for one image: softmax; the top CandidatesPerClass boxes of each
    /// foreground class, the top K (class, box) pairs of those; those above the threshold decoded; greedy NMS within each class (suppress at IoU &gt; t) in
    /// score order until MaxDetections are kept.
    /// </summary>
    private static List<Detection> BruteForce(FusedSsdSpec spec, float[] locs, float[] logits, int n)
    {
        int b = spec.Boxes, c = spec.Classes;
        var pairs = new List<(int Class, int Box, float Score)>();
        for (int i = 0; i < b; i++)
        {
            double[] e = Enumerable.Range(0, c).Select(k => Math.Exp(logits[(n * c * b) + (k * b) + i])).ToArray();
            double sum = e.Sum();
            for (int k = 1; k < c; k++)
            {
                pairs.Add((k, i, (float)(e[k] / sum)));
            }
        }

        var kept = new List<Detection>();
        IEnumerable<(int Class, int Box, float Score)> perClass = pairs.GroupBy(p => p.Class).SelectMany(g => g.OrderByDescending(p => p.Score).Take(spec.CandidatesPerClass));
        foreach ((int k, int i, float score) in perClass.OrderByDescending(p => p.Score).Take(spec.Candidates).Where(p => p.Score > spec.ScoreThreshold))
        {
            float dx = locs[(n * 4 * b) + i], dy = locs[(n * 4 * b) + b + i], dw = locs[(n * 4 * b) + (2 * b) + i], dh = locs[(n * 4 * b) + (3 * b) + i];
            float x = (spec.ScaleXy * dx * spec.PriorWidth[i]) + spec.PriorCenterX[i];
            float y = (spec.ScaleXy * dy * spec.PriorHeight[i]) + spec.PriorCenterY[i];
            float bw = MathF.Exp(spec.ScaleWh * dw) * spec.PriorWidth[i];
            float bh = MathF.Exp(spec.ScaleWh * dh) * spec.PriorHeight[i];
            var box = new BoundingBox(x - (0.5f * bw), y - (0.5f * bh), x + (0.5f * bw), y + (0.5f * bh));
            if (kept.Count < spec.MaxDetections && !kept.Any(d => d.ClassId == k && d.Box.IoU(box) > spec.IouThreshold))
            {
                kept.Add(new Detection(box, k, score, n));
            }
        }

        return kept;
    }

    private static FrameBuffer NoiseFrame(int seed)
    {
        byte[] pixels = new byte[640 * 480 * 3];
        new Random(seed).NextBytes(pixels);
        return FrameBuffer.Packed(640, 480, PixelFormat.Bgr24, pixels);
    }

    /// <summary>Frame <paramref name="index"/> of the benchmarks' synthetic video, BGR as they feed it.</summary>
    private static FrameBuffer VideoFrame(int index)
    {
        var video = new SyntheticVideo(640, 480, seed: 1);
        byte[] rgb = new byte[video.FrameBytes], bgr = new byte[video.FrameBytes];
        video.Render(index, rgb);
        FrameTensor.SwapRedBlueReference(rgb, bgr);
        return FrameBuffer.Packed(640, 480, PixelFormat.Bgr24, bgr);
    }
}
