using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// How two detection lists of the same frames agree: each detection of <c>actual</c> is paired with an unpaired one of
/// <c>expected</c> of the same image and class whose score and box coordinates are all within a tolerance. Order is
/// not compared (two near-equal scores may swap places between implementations whose exponentials differ in the
/// last bit); everything else is. Pairing is first fit, not an optimal matching: enough where, as after NMS, no two
/// detections of one image and class lie within the tolerance of each other.
/// </summary>
public readonly record struct DetectionAgreement(int Expected, int Actual, int Matched, float MaxScoreDifference, float MaxBoxDifference)
{
    /// <summary>Detections of <c>expected</c> without a partner.</summary>
    public int Missing => Expected - Matched;

    /// <summary>Detections of <c>actual</c> without a partner.</summary>
    public int Extra => Actual - Matched;

    /// <summary>Every detection has its partner.</summary>
    public bool Agrees => Missing == 0 && Extra == 0;

    /// <summary>Pairs the two lists (O(n²) per list; meant for checks, not for timed code).</summary>
    public static DetectionAgreement Compare(IReadOnlyList<Detection> expected, IReadOnlyList<Detection> actual, float tolerance)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        var used = new bool[expected.Count];
        int matched = 0;
        float maxScore = 0f, maxBox = 0f;
        foreach (Detection a in actual)
        {
            for (int i = 0; i < expected.Count; i++)
            {
                Detection e = expected[i];
                if (used[i] || e.BatchIndex != a.BatchIndex || e.ClassId != a.ClassId)
                {
                    continue;
                }

                float score = MathF.Abs(e.Score - a.Score);
                float box = MathF.Max(
                    MathF.Max(MathF.Abs(e.Box.Left - a.Box.Left), MathF.Abs(e.Box.Top - a.Box.Top)),
                    MathF.Max(MathF.Abs(e.Box.Right - a.Box.Right), MathF.Abs(e.Box.Bottom - a.Box.Bottom)));
                if (score <= tolerance && box <= tolerance)
                {
                    used[i] = true;
                    matched++;
                    maxScore = MathF.Max(maxScore, score);
                    maxBox = MathF.Max(maxBox, box);
                    break;
                }
            }
        }

        return new DetectionAgreement(expected.Count, actual.Count, matched, maxScore, maxBox);
    }
}
