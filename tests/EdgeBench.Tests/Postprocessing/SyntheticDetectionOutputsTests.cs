using EdgeBench.Core.Detection;
using EdgeBench.Postprocessing;

namespace EdgeBench.Tests.Postprocessing;

public class SyntheticDetectionOutputsTests
{
    private const int B = SsdDefaultBoxes.Coco300Count;

    [Theory]
    [InlineData(300, 10)]
    [InlineData(500, 20)]
    [InlineData(800, 40)]
    public void Ssd_candidate_count_hits_target(int target, int objects)
    {
        const int batch = 2;
        var locs = new float[batch * 4 * B];
        var scores = new float[batch * 81 * B];
        SyntheticDetectionOutputs.FillSsd(locs, scores, batch, target, objects, seed: target);

        // Stated margin: exact by construction; allow 1 % for a confused pair that lands on the threshold.
        int count = SyntheticDetectionOutputs.CountSsdCandidates(scores, batch);
        Assert.InRange(count, batch * target * 0.99, batch * target * 1.01);
    }

    [Fact]
    public void Ssd_generation_is_seeded_and_gives_nms_real_work()
    {
        var locs = new float[4 * B];
        var scores = new float[81 * B];
        var locs2 = new float[4 * B];
        var scores2 = new float[81 * B];
        SyntheticDetectionOutputs.FillSsd(locs, scores, 1, 600, 25, 42);
        SyntheticDetectionOutputs.FillSsd(locs2, scores2, 1, 600, 25, 42);
        Assert.Equal(locs, locs2);
        Assert.Equal(scores, scores2);

        var output = new List<Detection>();
        new SsdPostprocessor().Process(locs, scores, 1, output);

        // Clustered candidates: NMS removes most of the 600 but keeps more than one box per object on average.
        Assert.InRange(output.Count, 25, 200);
    }

    [Theory]
    [InlineData(50, 5)]
    [InlineData(150, 15)]
    public void Yolo_candidate_count_hits_target(int target, int objects)
    {
        var coarse = new float[255 * 13 * 13];
        var fine = new float[255 * 26 * 26];
        SyntheticDetectionOutputs.FillYoloV3Tiny(coarse, fine, 1, target, objects, seed: target);
        int count = SyntheticDetectionOutputs.CountYoloV3TinyCandidates(coarse, fine, 1);
        Assert.InRange(count, target * 0.98, target * 1.02);
    }
}
