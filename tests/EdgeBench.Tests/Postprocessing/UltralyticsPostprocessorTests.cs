using System.Numerics.Tensors;
using EdgeBench.Core.Detection;
using EdgeBench.Postprocessing;

namespace EdgeBench.Tests.Postprocessing;

public class UltralyticsPostprocessorTests
{
    private const int Anchors = 8400;
    private const int Channels = 84;
    private static readonly long[] s_v8Shape = [-1, Channels, Anchors];
    private static readonly long[] s_v8Transposed = [-1, Anchors, Channels];
    private static readonly long[] s_v5Shape = [-1, 25200, 85];

    [Fact]
    public void Yolov8_decodes_one_hand_built_box_relative_to_the_input()
    {
        var output = new float[Channels * Anchors];
        const int anchor = 1234;
        SetV8(output, anchor, 320f, 160f, 64f, 32f, (3, 0.8f), (7, 0.5f));

        var detections = new List<Detection>();
        new YoloV8Postprocessor(s_v8Shape, 640, 320).Process(output, 1, detections);

        Detection d = Assert.Single(detections);
        Assert.Equal(3, d.ClassId);
        Assert.Equal(0.8f, d.Score);
        Assert.Equal(new BoundingBox((320f - 32f) / 640f, (160f - 16f) / 320f, (320f + 32f) / 640f, (160f + 16f) / 320f), d.Box);
    }

    [Theory]
    [InlineData(40, 5, 1)]
    [InlineData(150, 12, 2)]
    [InlineData(600, 30, 3)]
    public void Yolov8_fast_equals_naive_in_both_layouts(int candidates, int objects, int seed)
    {
        const int batch = 2;
        foreach (long[] shape in new[] { s_v8Shape, s_v8Transposed })
        {
            var output = new float[batch * Channels * Anchors];
            SyntheticDetectionOutputs.FillYoloV8(output, shape, 640, 640, batch, candidates, objects, seed);

            var fast = new YoloV8Postprocessor(shape, 640, 640);
            var detections = new List<Detection>();
            fast.Process(output, batch, detections);

            PostprocessingAssert.SameDetections(UltralyticsPostprocessorReference.YoloV8(shape, 640, 640).Process(output, batch), detections);
            Assert.Equal(batch * candidates, fast.LastCandidateCount);
            Assert.NotEmpty(detections);
        }
    }

    [Fact]
    public void Yolov8_transposed_output_gives_the_same_detections()
    {
        var channelMajor = new float[Channels * Anchors];
        SyntheticDetectionOutputs.FillYoloV8(channelMajor, s_v8Shape, 640, 640, 1, 200, 10, 5);
        var anchorMajor = new float[channelMajor.Length];
        for (int c = 0; c < Channels; c++)
        {
            for (int a = 0; a < Anchors; a++)
            {
                anchorMajor[(a * Channels) + c] = channelMajor[(c * Anchors) + a];
            }
        }

        var fromChannelMajor = new List<Detection>();
        var fromAnchorMajor = new List<Detection>();
        var first = new YoloV8Postprocessor(s_v8Shape, 640, 640);
        var second = new YoloV8Postprocessor(s_v8Transposed, 640, 640);
        first.Process(channelMajor, 1, fromChannelMajor);
        second.Process(anchorMajor, 1, fromAnchorMajor);

        Assert.True(first.ChannelMajor);
        Assert.False(second.ChannelMajor);
        Assert.NotEmpty(fromChannelMajor);
        Assert.Equal(fromChannelMajor, fromAnchorMajor);
    }

    [Theory]
    [InlineData(new long[] { 1, 84, 8400 }, null, true, 80)]
    [InlineData(new long[] { 1, 8400, 84 }, null, false, 80)]
    [InlineData(new long[] { 1, 8400, 84 }, 80, false, 80)]
    [InlineData(new long[] { 1, 6, 6 }, null, true, 2)]      // both dimensions could be 4+C: the export's [N,4+C,A]
    [InlineData(new long[] { 1, 6, 6 }, 2, true, 2)]
    [InlineData(new long[] { 1, 20, 9 }, 16, true, 16)]      // class_names decides even where the smaller dim is A
    public void Yolov8_layout_rule(long[] shape, int? classCount, bool channelMajor, int classes)
    {
        var head = new YoloV8Postprocessor(shape, 64, 64, new DecodeOptions { UltralyticsClassCount = classCount });

        Assert.Equal((channelMajor, classes), (head.ChannelMajor, head.ClassCount));
    }

    [Theory]
    [InlineData(new long[] { 1, 84, 8400 }, 10, "4 + 10 classes")]
    [InlineData(new long[] { 1, 84 }, null, "3 dimensions")]
    [InlineData(new long[] { 1, 4, 8400 }, null, "fewer than 4 box values")]
    public void Yolov8_refuses_a_shape_that_is_not_a_yolov8_head(long[] shape, int? classCount, string expected)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new YoloV8Postprocessor(shape, 640, 640, new DecodeOptions { UltralyticsClassCount = classCount }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_class_scores_pick_the_lowest_class_and_equal_box_scores_order_by_anchor()
    {
        var output = new float[Channels * Anchors];
        SetV8(output, 900, 100f, 100f, 20f, 20f, (5, 0.6f), (2, 0.6f));   // tie inside a box: class 2
        SetV8(output, 100, 400f, 400f, 20f, 20f, (9, 0.6f));              // same score, lower anchor, other class
        SetV8(output, 50, 500f, 100f, 20f, 20f, (2, 0.9f));

        var detections = new List<Detection>();
        new YoloV8Postprocessor(s_v8Shape, 640, 640).Process(output, 1, detections);

        Assert.Equal([(2, 0.9f), (9, 0.6f), (2, 0.6f)], detections.Select(d => (d.ClassId, d.Score)).ToArray());
        PostprocessingAssert.SameDetections(UltralyticsPostprocessorReference.YoloV8(s_v8Shape, 640, 640).Process(output, 1), detections);

        // Transposed: same answer (IndexOfMax and the channel-major scan agree on ties).
        var transposed = new float[output.Length];
        for (int c = 0; c < Channels; c++)
        {
            for (int a = 0; a < Anchors; a++)
            {
                transposed[(a * Channels) + c] = output[(c * Anchors) + a];
            }
        }

        var fromTransposed = new List<Detection>();
        new YoloV8Postprocessor(s_v8Transposed, 640, 640).Process(transposed, 1, fromTransposed);
        Assert.Equal(detections, fromTransposed);
    }

    [Fact]
    public void Equal_scores_of_one_class_keep_the_lower_anchor_when_they_overlap()
    {
        var output = new float[Channels * Anchors];
        SetV8(output, 700, 100f, 100f, 40f, 40f, (1, 0.7f));
        SetV8(output, 300, 102f, 100f, 40f, 40f, (1, 0.7f));

        var detections = new List<Detection>();
        new YoloV8Postprocessor(s_v8Shape, 640, 640).Process(output, 1, detections);

        Detection d = Assert.Single(detections);
        Assert.Equal((102f - 20f) / 640f, d.Box.Left);
    }

    [Fact]
    public void Class_aware_nms_keeps_overlapping_boxes_of_two_classes_and_agnostic_keeps_the_best()
    {
        var output = new float[Channels * Anchors];
        SetV8(output, 10, 200f, 200f, 100f, 100f, (0, 0.9f));
        SetV8(output, 20, 205f, 200f, 100f, 100f, (4, 0.8f));
        SetV8(output, 30, 210f, 200f, 100f, 100f, (4, 0.7f));             // suppressed by anchor 20 either way

        var aware = new List<Detection>();
        var agnostic = new List<Detection>();
        var agnosticOptions = new DecodeOptions { UltralyticsClassAgnostic = true };
        new YoloV8Postprocessor(s_v8Shape, 640, 640).Process(output, 1, aware);
        new YoloV8Postprocessor(s_v8Shape, 640, 640, agnosticOptions).Process(output, 1, agnostic);

        Assert.Equal([(0, 0.9f), (4, 0.8f)], aware.Select(d => (d.ClassId, d.Score)).ToArray());
        Assert.Equal([(0, 0.9f)], agnostic.Select(d => (d.ClassId, d.Score)).ToArray());
        PostprocessingAssert.SameDetections(UltralyticsPostprocessorReference.YoloV8(s_v8Shape, 640, 640, agnosticOptions).Process(output, 1), agnostic);
    }

    [Fact]
    public void Agnostic_nms_reports_each_survivor_with_its_own_class()
    {
        const int batch = 2;
        var output = new float[batch * Channels * Anchors];
        SyntheticDetectionOutputs.FillYoloV8(output, s_v8Shape, 640, 640, batch, 300, 20, 11);
        var options = new DecodeOptions { UltralyticsClassAgnostic = true, UltralyticsIouThreshold = 0.3f };

        var detections = new List<Detection>();
        new YoloV8Postprocessor(s_v8Shape, 640, 640, options).Process(output, batch, detections);

        PostprocessingAssert.SameDetections(UltralyticsPostprocessorReference.YoloV8(s_v8Shape, 640, 640, options).Process(output, batch), detections);
        Assert.True(detections.Select(d => d.ClassId).Distinct().Count() > 1);
    }

    [Fact]
    public void Iou_equal_to_the_threshold_does_not_suppress()
    {
        // [0,0,40,40] and [0,0,40,20] overlap by exactly 800/1600 = 0.5.
        var output = new float[Channels * Anchors];
        SetV8(output, 1, 20f, 20f, 40f, 40f, (0, 0.9f));
        SetV8(output, 2, 20f, 10f, 40f, 20f, (0, 0.8f));
        var detections = new List<Detection>();

        new YoloV8Postprocessor(s_v8Shape, 640, 640, new DecodeOptions { UltralyticsIouThreshold = 0.5f }).Process(output, 1, detections);
        Assert.Equal(2, detections.Count);

        detections.Clear();
        new YoloV8Postprocessor(s_v8Shape, 640, 640, new DecodeOptions { UltralyticsIouThreshold = 0.49f }).Process(output, 1, detections);
        Assert.Single(detections);
    }

    [Fact]
    public void Max_detections_caps_each_image_keeping_the_best()
    {
        const int batch = 2;
        var output = new float[batch * Channels * Anchors];
        SyntheticDetectionOutputs.FillYoloV8(output, s_v8Shape, 640, 640, batch, 400, 30, 9);
        var capped = new DecodeOptions { UltralyticsMaxDetections = 7 };

        var all = new List<Detection>();
        var detections = new List<Detection>();
        new YoloV8Postprocessor(s_v8Shape, 640, 640).Process(output, batch, all);
        new YoloV8Postprocessor(s_v8Shape, 640, 640, capped).Process(output, batch, detections);

        Assert.Equal(14, detections.Count);
        for (int n = 0; n < batch; n++)
        {
            Assert.Equal(all.Where(d => d.BatchIndex == n).Take(7), detections.Where(d => d.BatchIndex == n));
        }

        PostprocessingAssert.SameDetections(UltralyticsPostprocessorReference.YoloV8(s_v8Shape, 640, 640, capped).Process(output, batch), detections);
    }

    [Theory]
    [InlineData(40, 5, 1)]
    [InlineData(150, 12, 2)]
    [InlineData(600, 30, 3)]
    public void Yolov5_fast_equals_naive(int candidates, int objects, int seed)
    {
        const int batch = 2;
        var output = new float[batch * 25200 * 85];
        SyntheticDetectionOutputs.FillYoloV5(output, s_v5Shape, 640, 640, batch, candidates, objects, seed);

        var fast = new YoloV5Postprocessor(s_v5Shape, 640, 640);
        var detections = new List<Detection>();
        fast.Process(output, batch, detections);

        PostprocessingAssert.SameDetections(UltralyticsPostprocessorReference.YoloV5(s_v5Shape, 640, 640).Process(output, batch), detections);
        Assert.Equal(batch * candidates, fast.LastCandidateCount);
        Assert.NotEmpty(detections);
    }

    [Fact]
    public void Yolov5_score_is_objectness_times_class_and_both_must_pass()
    {
        var output = new float[25200 * 85];
        SetV5(output, 3, 100f, 100f, 20f, 20f, 0.9f, (2, 0.5f));    // 0.45: kept
        SetV5(output, 4, 300f, 100f, 20f, 20f, 0.9f, (2, 0.2f));    // 0.18: not a candidate
        SetV5(output, 5, 500f, 100f, 20f, 20f, 0.2f, (2, 1.5f));    // objectness 0.2 fails first (0.3 would pass alone)

        var detections = new List<Detection>();
        new YoloV5Postprocessor(s_v5Shape, 640, 640).Process(output, 1, detections);

        Detection d = Assert.Single(detections);
        Assert.Equal((2, 0.9f * 0.5f), (d.ClassId, d.Score));
        PostprocessingAssert.SameDetections(UltralyticsPostprocessorReference.YoloV5(s_v5Shape, 640, 640).Process(output, 1), detections);
    }

    [Fact]
    public void Yolov5_refuses_a_channel_count_that_does_not_match_the_class_names()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new YoloV5Postprocessor(s_v5Shape, 640, 640, new DecodeOptions { UltralyticsClassCount = 3 }));
        Assert.Contains("5 + 3 classes = 8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fp16_path_tracks_fp32()
    {
        var output = new float[Channels * Anchors];
        SyntheticDetectionOutputs.FillYoloV8(output, s_v8Shape, 640, 640, 1, 150, 12, 4);
        var half = new Half[output.Length];
        TensorPrimitives.ConvertToHalf(output, half);

        var head = new YoloV8Postprocessor(s_v8Shape, 640, 640);
        var full = new List<Detection>();
        var fromHalf = new List<Detection>();
        head.Process(output, 1, full);
        head.Process(half, 1, fromHalf);

        // Boxes are in input pixels, so fp16 rounds them by up to 0.25 px and scores by 2^-11: near-equal members of
        // a cluster may swap, and NMS then keeps a neighbour. Most survivors must still be found almost unchanged.
        Detection[] confident = full.Where(d => d.Score > 0.4f).ToArray();
        int matched = confident.Count(d => fromHalf.Any(h => h.ClassId == d.ClassId && h.Box.IoU(d.Box) > 0.98f && MathF.Abs(h.Score - d.Score) < 1e-2f));
        Assert.NotEmpty(confident);
        Assert.True(matched >= 0.9 * confident.Length, $"{matched} of {confident.Length} fp32 detections found in the fp16 decode");
    }

    [Fact]
    public void Steady_state_is_allocation_free()
    {
        var v8 = new float[Channels * Anchors];
        var v8t = new float[Channels * Anchors];
        var v5 = new float[25200 * 85];
        SyntheticDetectionOutputs.FillYoloV8(v8, s_v8Shape, 640, 640, 1, 150, 12, 8);
        SyntheticDetectionOutputs.FillYoloV8(v8t, s_v8Transposed, 640, 640, 1, 150, 12, 8);
        SyntheticDetectionOutputs.FillYoloV5(v5, s_v5Shape, 640, 640, 1, 150, 12, 8);
        var heads = (new YoloV8Postprocessor(s_v8Shape, 640, 640), new YoloV8Postprocessor(s_v8Transposed, 640, 640),
            new YoloV5Postprocessor(s_v5Shape, 640, 640), new YoloV8Postprocessor(s_v8Shape, 640, 640, new DecodeOptions { UltralyticsClassAgnostic = true }));
        var output = new List<Detection>(1024);
        void RunAll()
        {
            output.Clear();
            heads.Item1.Process(v8, 1, output);
            heads.Item2.Process(v8t, 1, output);
            heads.Item3.Process(v5, 1, output);
            heads.Item4.Process(v8, 1, output);
        }

        RunAll();
        RunAll();
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunAll();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.NotEmpty(output);
    }

    private static void SetV8(float[] output, int anchor, float cx, float cy, float w, float h, params (int Class, float Score)[] scores)
    {
        output[anchor] = cx;
        output[Anchors + anchor] = cy;
        output[(2 * Anchors) + anchor] = w;
        output[(3 * Anchors) + anchor] = h;
        foreach ((int c, float s) in scores)
        {
            output[((4 + c) * Anchors) + anchor] = s;
        }
    }

    private static void SetV5(float[] output, int anchor, float cx, float cy, float w, float h, float objectness, params (int Class, float Score)[] scores)
    {
        int row = anchor * 85;
        (output[row], output[row + 1], output[row + 2], output[row + 3], output[row + 4]) = (cx, cy, w, h, objectness);
        foreach ((int c, float s) in scores)
        {
            output[row + 5 + c] = s;
        }
    }
}
