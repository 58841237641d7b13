using EdgeBench.Core.Detection;

namespace EdgeBench.Tests.Postprocessing;

internal static class PostprocessingAssert
{
    public const float ScoreTolerance = 1e-5f;

    /// <summary>Same detections in the same order; boxes exact (same scalar decode), scores within 1e-5.</summary>
    public static void SameDetections(IReadOnlyList<Detection> expected, IReadOnlyList<Detection> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].BatchIndex, actual[i].BatchIndex);
            Assert.Equal(expected[i].ClassId, actual[i].ClassId);
            Assert.Equal(expected[i].Box, actual[i].Box);
            Assert.Equal(expected[i].Score, actual[i].Score, ScoreTolerance);
        }
    }
}
