using EdgeBench.Core.Detection;
using EdgeBench.Postprocessing;
using Xunit;

namespace EdgeBench.Tests.Postprocessing;

public sealed class DetectionAgreementTests
{
    private static Detection D(int image, int classId, float score, float left = 0.1f) =>
        new(new BoundingBox(left, 0.2f, left + 0.3f, 0.6f), classId, score, image);

    [Fact]
    public void Equal_lists_agree_and_order_is_not_compared()
    {
        Detection[] expected = [D(0, 1, 0.9f), D(0, 1, 0.8f, 0.5f), D(1, 3, 0.7f)];
        Detection[] actual = [expected[2], expected[1], expected[0]];

        DetectionAgreement agreement = DetectionAgreement.Compare(expected, actual, 1e-5f);

        Assert.True(agreement.Agrees);
        Assert.Equal((3, 3, 3, 0f, 0f), (agreement.Expected, agreement.Actual, agreement.Matched, agreement.MaxScoreDifference, agreement.MaxBoxDifference));
    }

    [Fact]
    public void Differences_within_the_tolerance_match_and_are_reported()
    {
        Detection a = D(0, 2, 0.5f);
        Detection b = a with { Score = 0.5f + 4e-6f, Box = a.Box with { Right = a.Box.Right + 2e-6f } };

        DetectionAgreement agreement = DetectionAgreement.Compare([a], [b], 1e-5f);

        Assert.True(agreement.Agrees);
        Assert.InRange(agreement.MaxScoreDifference, 3e-6f, 5e-6f);
        Assert.InRange(agreement.MaxBoxDifference, 1e-6f, 3e-6f);
    }

    [Theory]
    [InlineData(0, 2, 0.5f + 2e-5f, 0.1f)] // score beyond the tolerance
    [InlineData(0, 3, 0.5f, 0.1f)] // another class
    [InlineData(1, 2, 0.5f, 0.1f)] // another image
    [InlineData(0, 2, 0.5f, 0.10002f)] // box beyond the tolerance
    public void A_detection_that_differs_is_missing_on_one_side_and_extra_on_the_other(int image, int classId, float score, float left)
    {
        DetectionAgreement agreement = DetectionAgreement.Compare([D(0, 2, 0.5f)], [D(image, classId, score, left)], 1e-5f);

        Assert.False(agreement.Agrees);
        Assert.Equal((0, 1, 1), (agreement.Matched, agreement.Missing, agreement.Extra));
    }

    [Fact]
    public void Each_detection_pairs_once()
    {
        // Two identical expected detections and one actual: one is missing, whichever it is.
        DetectionAgreement agreement = DetectionAgreement.Compare([D(0, 1, 0.9f), D(0, 1, 0.9f)], [D(0, 1, 0.9f)], 1e-5f);

        Assert.Equal((1, 1, 0), (agreement.Matched, agreement.Missing, agreement.Extra));
    }
}
