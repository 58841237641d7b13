using System.Numerics.Tensors;
using EdgeBench.Core.Detection;
using EdgeBench.Postprocessing;

namespace EdgeBench.Tests.Postprocessing;

public class SsdPostprocessorTests
{
    private const int B = SsdDefaultBoxes.Coco300Count;
    private const int C = 81;

    [Fact]
    public void Zero_loc_decodes_to_the_default_box()
    {
        SsdDefaultBoxes d = SsdDefaultBoxes.Coco300;
        foreach (int i in new[] { 0, 1444, 5000, 8731 })
        {
            BoundingBox box = BoxMath.DecodeSsd(0, 0, 0, 0, d.CenterX[i], d.CenterY[i], d.Width[i], d.Height[i], 0.1f, 0.2f);
            Assert.Equal(new BoundingBox(d.Left[i], d.Top[i], d.Right[i], d.Bottom[i]), box);
        }
    }

    [Fact]
    public void Chosen_loc_decodes_to_hand_computed_box()
    {
        // Box 0: cx = cy = 0.5·8/300, w = h = 21/300. loc = (1, −2, 0.5, 5·ln2):
        // x = 0.1·1·w + cx, y = 0.1·(−2)·h + cy, w' = e^(0.2·0.5)·w, h' = e^(0.2·5·ln2)·h = 2h (computed in double).
        SsdDefaultBoxes d = SsdDefaultBoxes.Coco300;
        BoundingBox box = BoxMath.DecodeSsd(1f, -2f, 0.5f, 5f * MathF.Log(2f), d.CenterX[0], d.CenterY[0], d.Width[0], d.Height[0], 0.1f, 0.2f);
        Assert.Equal(-0.018347648799314338f, box.Left, 1e-6f);
        Assert.Equal(-0.07066666666666667f, box.Top, 1e-6f);
        Assert.Equal(0.05901431546598101f, box.Right, 1e-6f);
        Assert.Equal(0.06933333333333334f, box.Bottom, 1e-6f);
    }

    [Fact]
    public void Single_confident_box_comes_out_as_its_decoded_default_box()
    {
        var locs = new float[4 * B];
        var scores = new float[C * B];
        scores.AsSpan(0, B).Fill(10f);             // background everywhere
        const int box = 5000;
        scores[box] = 0f;
        scores[(17 * B) + box] = 10f;             // class 17 wins box 5000
        var output = new List<Detection>();
        new SsdPostprocessor().Process(locs, scores, 1, output);

        Detection detection = Assert.Single(output);
        SsdDefaultBoxes d = SsdDefaultBoxes.Coco300;
        Assert.Equal(17, detection.ClassId);
        Assert.Equal(new BoundingBox(d.Left[box], d.Top[box], d.Right[box], d.Bottom[box]), detection.Box);
        Assert.Equal(MathF.Exp(10f) / (MathF.Exp(10f) + 1f + 79f), detection.Score, 1e-5f);
    }

    [Theory]
    [InlineData(300, 10, 1)]
    [InlineData(600, 25, 2)]
    [InlineData(800, 40, 3)]
    public void Fast_equals_naive_on_synthetic_outputs(int candidates, int objects, int seed)
    {
        const int batch = 2;
        var locs = new float[batch * 4 * B];
        var scores = new float[batch * C * B];
        SyntheticDetectionOutputs.FillSsd(locs, scores, batch, candidates, objects, seed);

        var fast = new SsdPostprocessor();
        var output = new List<Detection>();
        fast.Process(locs, scores, batch, output);
        List<Detection> expected = new SsdPostprocessorReference().Process(locs, scores, batch);

        PostprocessingAssert.SameDetections(expected, output);
        Assert.Equal(SyntheticDetectionOutputs.CountSsdCandidates(scores, batch), fast.LastCandidateCount);
        Assert.True(output.Count(d => d.BatchIndex == 0) <= DecodeOptions.Default.SsdMaxDetections);
        for (int i = 1; i < output.Count; i++)
        {
            Assert.True(output[i].BatchIndex > output[i - 1].BatchIndex || output[i].Score <= output[i - 1].Score);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void Fast_equals_naive_for_sigmoid_scores_and_without_a_background_class(bool sigmoid, bool background)
    {
        // A small SSD of its own (320 boxes, 21 classes) with random logits around the threshold's logit.
        var boxes = new SsdDefaultBoxes(128, [8, 4], [16, 32], [20, 50, 90], [[2], [2]]);
        var options = new DecodeOptions { SsdClassCount = 21, SsdSigmoidScores = sigmoid, SsdBackgroundClass = background, SsdScoreThreshold = 0.3f };
        var random = new Random(5);
        var locs = new float[2 * 4 * boxes.Count];
        var scores = new float[2 * 21 * boxes.Count];
        for (int i = 0; i < locs.Length; i++)
        {
            locs[i] = (float)((random.NextDouble() * 2) - 1);
        }

        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = (float)((random.NextDouble() * 6) - 3);
        }

        var output = new List<Detection>();
        new SsdPostprocessor(options, boxes).Process(locs, scores, 2, output);
        List<Detection> expected = new SsdPostprocessorReference(options, boxes).Process(locs, scores, 2);

        PostprocessingAssert.SameDetections(expected, output);
        Assert.NotEmpty(output);
        Assert.Equal(!background, output.Any(d => d.ClassId == 0));
        if (sigmoid)
        {
            // Each reported score is its own logit's sigmoid, whatever the other classes hold.
            Detection first = output[0];
            float[] row = scores.AsSpan((first.BatchIndex * 21 * boxes.Count) + (first.ClassId * boxes.Count), boxes.Count).ToArray();
            Assert.Contains(row, x => MathF.Abs((1f / (1f + MathF.Exp(-x))) - first.Score) < 1e-6f);
        }
    }

    [Fact]
    public void An_anchors_last_head_decodes_as_its_anchors_first_transpose()
    {
        // The same logits laid out [A, 4] / [A, C] (torchvision's head) and [4, A] / [C, A] (SSD300's) must decode to
        // the same detections, in the fast path and in the naive twin.
        var boxes = new SsdDefaultBoxes(128, [8, 4], [], [20, 50, 90], [[2], [2]], cellMajor: true);
        const int classes = 21;
        var first = new DecodeOptions { SsdClassCount = classes, SsdScoreThreshold = 0.2f };
        var last = new DecodeOptions { SsdClassCount = classes, SsdScoreThreshold = 0.2f, SsdAnchorsLast = true };
        var random = new Random(11);
        int a = boxes.Count;
        float[] locsFirst = [.. Enumerable.Range(0, 4 * a).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        float[] scoresFirst = [.. Enumerable.Range(0, classes * a).Select(_ => (float)((random.NextDouble() * 8) - 4))];
        float[] locsLast = new float[locsFirst.Length], scoresLast = new float[scoresFirst.Length];
        for (int box = 0; box < a; box++)
        {
            for (int v = 0; v < 4; v++)
            {
                locsLast[(box * 4) + v] = locsFirst[(v * a) + box];
            }

            for (int c = 0; c < classes; c++)
            {
                scoresLast[(box * classes) + c] = scoresFirst[(c * a) + box];
            }
        }

        var expected = new List<Detection>();
        new SsdPostprocessor(first, boxes).Process(locsFirst, scoresFirst, 1, expected);
        var fast = new List<Detection>();
        new SsdPostprocessor(last, boxes).Process(locsLast, scoresLast, 1, fast);
        var half = new List<Detection>();
        new SsdPostprocessor(last, boxes).Process(Array.ConvertAll(locsLast, x => (Half)x), Array.ConvertAll(scoresLast, x => (Half)x), 1, half);

        Assert.NotEmpty(expected);
        PostprocessingAssert.SameDetections(expected, fast);
        PostprocessingAssert.SameDetections(new SsdPostprocessorReference(last, boxes).Process(locsLast, scoresLast, 1), fast);
        Assert.Equal(new SsdPostprocessorReference(last, boxes).Process(Array.ConvertAll(locsLast, x => (Half)x), Array.ConvertAll(scoresLast, x => (Half)x), 1).Count, half.Count);
    }

    [Fact]
    public void Caps_and_per_class_topk_match_naive_under_tight_options()
    {
        var options = new DecodeOptions { SsdPerClassTopK = 5, SsdMaxDetections = 7, SsdIouThreshold = 0.3f };
        var locs = new float[4 * B];
        var scores = new float[C * B];
        SyntheticDetectionOutputs.FillSsd(locs, scores, 1, 500, 12, 99, options);
        var output = new List<Detection>();
        new SsdPostprocessor(options).Process(locs, scores, 1, output);
        PostprocessingAssert.SameDetections(new SsdPostprocessorReference(options).Process(locs, scores, 1), output);
        Assert.Equal(7, output.Count);
    }

    [Fact]
    public void Fp16_path_equals_naive_on_the_same_half_values_and_tracks_fp32()
    {
        var locs = new float[4 * B];
        var scores = new float[C * B];
        SyntheticDetectionOutputs.FillSsd(locs, scores, 1, 500, 20, 5);
        var locsHalf = new Half[locs.Length];
        var scoresHalf = new Half[scores.Length];
        TensorPrimitives.ConvertToHalf(locs, locsHalf);
        TensorPrimitives.ConvertToHalf(scores, scoresHalf);

        var fast = new SsdPostprocessor();
        var half = new List<Detection>();
        fast.Process(locsHalf, scoresHalf, 1, half);
        PostprocessingAssert.SameDetections(new SsdPostprocessorReference().Process(locsHalf, scoresHalf, 1), half);

        // Against fp32: every confident fp32 detection has an fp16 twin of the same class, nearly the same box and score.
        var full = new List<Detection>();
        fast.Process(locs, scores, 1, full);
        foreach (Detection d in full.Where(d => d.Score > 0.3f))
        {
            Assert.Contains(half, h => h.ClassId == d.ClassId && h.Box.IoU(d.Box) > 0.98f && MathF.Abs(h.Score - d.Score) < 1e-2f);
        }
    }

    [Fact]
    public void Steady_state_is_allocation_free()
    {
        var locs = new float[4 * B];
        var scores = new float[C * B];
        SyntheticDetectionOutputs.FillSsd(locs, scores, 1, 600, 25, 11);
        var fast = new SsdPostprocessor();
        var output = new List<Detection>(1024);
        fast.Process(locs, scores, 1, output);
        output.Clear();

        long before = GC.GetAllocatedBytesForCurrentThread();
        fast.Process(locs, scores, 1, output);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.NotEmpty(output);
    }

    [Fact]
    public void Wrong_shapes_throw()
    {
        var fast = new SsdPostprocessor();
        Assert.Throws<ArgumentException>(() => fast.Process(new float[4 * B], new float[(C * B) - 1], 1, []));
        Assert.Throws<ArgumentException>(() => fast.Process(new float[4 * B], new float[C * B], 2, []));
    }
}

public class DecodeOptionsTests
{
    [Fact]
    public void Defaults_are_the_reference_values()
    {
        DecodeOptions o = DecodeOptions.Default;
        Assert.Equal(0.05f, o.SsdScoreThreshold);
        Assert.Equal(0.5f, o.SsdIouThreshold);
        Assert.Equal(200, o.SsdPerClassTopK);
        Assert.Equal(200, o.SsdMaxDetections);
        Assert.Equal(0.1f, o.SsdScaleXy);
        Assert.Equal(0.2f, o.SsdScaleWh);
        Assert.Equal(0.45f, o.YoloIouThreshold);
        Assert.Equal([1, 2, 3], o.YoloFineMask);
        Assert.Equal([3, 4, 5], o.YoloCoarseMask);
        Assert.Equal(5, o.ClassificationTopK);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(-0.1f)]
    public void Thresholds_outside_unit_interval_are_rejected(float threshold)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SsdPostprocessor(new DecodeOptions { SsdScoreThreshold = threshold }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new YoloV3TinyPostprocessor(new DecodeOptions { YoloConfidenceThreshold = threshold }));
    }
}
