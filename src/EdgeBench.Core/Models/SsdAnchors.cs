namespace EdgeBench.Core.Models;

/// <summary>
/// The default boxes of an SSD-style detector that is not SSD300, as NVIDIA's and torchvision's <c>DefaultBoxes</c>
/// describe them (sidecar <c>ssd_anchors</c>): per square feature map its stride and extra aspect ratios, and box
/// scales in pixels (one more than feature maps); plus the box-regression variances. Null on a descriptor means
/// SSD300's own (8732 boxes, variances 0.1 / 0.2).
/// </summary>
/// <param name="FigureSize">Input size in pixels the steps and scales refer to.</param>
/// <param name="FeatureMaps">Side of each square feature map, largest first (the order of the model's boxes).</param>
/// <param name="Steps">Stride in pixels of each feature map; empty: each map's side is its grid (torchvision without steps).</param>
/// <param name="Scales">Box scales in pixels: map k's boxes span scales[k] and sqrt(scales[k] * scales[k + 1]).</param>
/// <param name="AspectRatios">Extra aspect ratios per map; each adds two boxes per cell (r and 1/r).</param>
/// <param name="VarianceXy">Variance of the centre offsets (0.1 in SSD300).</param>
/// <param name="VarianceWh">Variance of the log sizes (0.2 in SSD300).</param>
/// <param name="SigmoidScores">Scores are independent per class (sigmoid) rather than a softmax over the classes.</param>
/// <param name="BackgroundClass">Class 0 is background and never reported (SSD300); false: every class is real.</param>
/// <param name="CellMajor">Boxes ordered cell by cell (torchvision's DefaultBoxGenerator) rather than size by size
/// (NVIDIA's DefaultBoxes, SSD300).</param>
/// <param name="AnchorsLast">Outputs laid out [N, A, 4] and [N, A, C] (torchvision's head) rather than [N, 4, A] and
/// [N, C, A] (SSD300's).</param>
public sealed record SsdAnchors(
    int FigureSize,
    IReadOnlyList<int> FeatureMaps,
    IReadOnlyList<int> Steps,
    IReadOnlyList<int> Scales,
    IReadOnlyList<IReadOnlyList<int>> AspectRatios,
    float VarianceXy = 0.1f,
    float VarianceWh = 0.2f,
    bool SigmoidScores = false,
    bool BackgroundClass = true,
    bool CellMajor = false,
    bool AnchorsLast = false)
{
    /// <summary>Boxes per image: for each map, side² cells of 2 + 2 x (its aspect ratios) boxes.</summary>
    public int BoxCount
    {
        get
        {
            int count = 0;
            for (int k = 0; k < FeatureMaps.Count; k++)
            {
                count += FeatureMaps[k] * FeatureMaps[k] * (2 + (2 * AspectRatios[k].Count));
            }

            return count;
        }
    }
}
