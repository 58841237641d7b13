using EdgeBench.Core.Detection;
using EdgeBench.Pipeline.Quality;

namespace EdgeBench.Tests.Pipeline;

public class OutputComparisonTests
{
    [Fact]
    public void Cosine_of_parallel_orthogonal_and_opposite_vectors()
    {
        Assert.Equal(1.0, OutputComparison.Cosine([1f, 2f, 3f], [2f, 4f, 6f]), 12);
        Assert.Equal(0.0, OutputComparison.Cosine([1f, 0f], [0f, 5f]), 12);
        Assert.Equal(-1.0, OutputComparison.Cosine([1f, -1f], [-2f, 2f]), 12);
        Assert.Equal(1.0, OutputComparison.Cosine([0f, 0f], [0f, 0f]));
    }

    [Fact]
    public void Max_abs_difference()
    {
        Assert.Equal(2.5, OutputComparison.MaxAbsDifference([1f, -2f, 3f], [1.5f, 0.5f, 3f]), 12);
        Assert.Throws<ArgumentException>(() => OutputComparison.MaxAbsDifference([1f], [1f, 2f]));
    }

    [Fact]
    public void Detections_match_on_class_image_and_iou_each_partner_once()
    {
        var box = new BoundingBox(0.1f, 0.1f, 0.5f, 0.5f);
        var shifted = new BoundingBox(0.12f, 0.1f, 0.52f, 0.5f); // IoU ~0.9 with box
        var far = new BoundingBox(0.6f, 0.6f, 0.9f, 0.9f);
        Detection[] reference =
        [
            new(box, ClassId: 3, Score: 0.9f),
            new(box, ClassId: 3, Score: 0.8f),       // a duplicate: only one partner exists
            new(far, ClassId: 1, Score: 0.7f),
            new(box, ClassId: 2, Score: 0.6f, BatchIndex: 1),
        ];
        Detection[] candidate =
        [
            new(shifted, ClassId: 3, Score: 0.88f),
            new(far, ClassId: 2, Score: 0.7f),        // right place, wrong class
            new(box, ClassId: 2, Score: 0.6f, BatchIndex: 0), // right class, wrong image
        ];

        Assert.Equal(1, OutputComparison.MatchedDetections(reference, candidate));
        Assert.Equal(0, OutputComparison.MatchedDetections(reference, candidate, iouThreshold: 0.95f));
    }
}
