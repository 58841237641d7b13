// The SSD300 constants and the generation order below mirror DefaultBoxes/dboxes300_coco in NVIDIA's
// DeepLearningExamples (PyTorch/Detection/SSD/ssd/utils.py), Copyright (c) 2018-2019 NVIDIA CORPORATION,
// licensed under the Apache License, Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0).
// This is a C# re-expression of that algorithm, not a copy of the file.
namespace EdgeBench.Postprocessing;

/// <summary>
/// SSD default (prior/anchor) boxes in relative coordinates, stored as structure-of-arrays in both the centre form
/// (cx, cy, w, h) and the corner form (l, t, r, b). Generated exactly as NVIDIA's <c>DefaultBoxes</c>: for each feature
/// map, for each box size (sk1, sqrt(sk1·sk2), then each aspect ratio α as (sk1·√α, sk1/√α) and its transpose), for
/// each cell (i, j) in <c>itertools.product</c> order (row i outer, column j inner), cx = (j + 0.5)/fk, cy = (i + 0.5)/fk
/// with fk = fig_size/step; the xywh values are clamped to [0, 1] and ltrb is derived from the clamped xywh.
/// </summary>
public sealed class SsdDefaultBoxes
{
    /// <summary>SSD300 input size in pixels (<c>figsize</c>).</summary>
    public const int Coco300FigureSize = 300;

    /// <summary>Number of default boxes of SSD300 (4·38² + 6·19² + 6·10² + 6·5² + 4·3² + 4·1²).</summary>
    public const int Coco300Count = 8732;

    private static readonly int[] s_coco300FeatureMaps = [38, 19, 10, 5, 3, 1];
    private static readonly int[] s_coco300Steps = [8, 16, 32, 64, 100, 300];

    // From amdegroot/ssd.pytorch via NVIDIA: scale k spans [scales[k], scales[k+1]] pixels.
    private static readonly int[] s_coco300Scales = [21, 45, 99, 153, 207, 261, 315];
    private static readonly int[][] s_coco300AspectRatios = [[2], [2, 3], [2, 3], [2, 3], [2], [2]];

    private static readonly Lazy<SsdDefaultBoxes> s_coco300 = new(() => new SsdDefaultBoxes(
        Coco300FigureSize, s_coco300FeatureMaps, s_coco300Steps, s_coco300Scales, s_coco300AspectRatios));

    private readonly float[] _cx;
    private readonly float[] _cy;
    private readonly float[] _w;
    private readonly float[] _h;
    private readonly float[] _left;
    private readonly float[] _top;
    private readonly float[] _right;
    private readonly float[] _bottom;

    /// <summary>Creates default boxes for an arbitrary SSD configuration (same meaning as NVIDIA's <c>DefaultBoxes</c> arguments).</summary>
    /// <param name="figureSize">Input size in pixels.</param>
    /// <param name="featureMapSizes">Side of each square feature map.</param>
    /// <param name="steps">Stride in pixels of each feature map; empty: the map's own side is its grid (torchvision's
    /// DefaultBoxGenerator without steps).</param>
    /// <param name="scales">Box scales in pixels; one more entry than feature maps.</param>
    /// <param name="aspectRatios">Extra aspect ratios per feature map (each adds two boxes per cell).</param>
    /// <param name="cellMajor">Boxes ordered cell by cell, every size of a cell together (torchvision's
    /// DefaultBoxGenerator); false: size by size, every cell of a size together (NVIDIA's DefaultBoxes, SSD300).</param>
    public SsdDefaultBoxes(int figureSize, IReadOnlyList<int> featureMapSizes, IReadOnlyList<int> steps, IReadOnlyList<int> scales, IReadOnlyList<IReadOnlyList<int>> aspectRatios,
        bool cellMajor = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(figureSize);
        ArgumentNullException.ThrowIfNull(featureMapSizes);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentNullException.ThrowIfNull(aspectRatios);
        if ((steps.Count != featureMapSizes.Count && steps.Count != 0) || aspectRatios.Count != featureMapSizes.Count || scales.Count != featureMapSizes.Count + 1)
        {
            throw new ArgumentException("steps (when given) and aspectRatios need one entry per feature map, scales one more.", nameof(scales));
        }

        int count = 0;
        for (int k = 0; k < featureMapSizes.Count; k++)
        {
            count += (2 + (2 * aspectRatios[k].Count)) * featureMapSizes[k] * featureMapSizes[k];
        }

        _cx = new float[count];
        _cy = new float[count];
        _w = new float[count];
        _h = new float[count];
        _left = new float[count];
        _top = new float[count];
        _right = new float[count];
        _bottom = new float[count];

        // Sizes and centres are computed in double, as numpy/Python do, then rounded once to float32 like
        // torch.tensor(..., dtype=torch.float); clamping and the ltrb conversion then happen in float32, as in the reference.
        var sizes = new List<(double W, double H)>();
        int n = 0;
        for (int k = 0; k < featureMapSizes.Count; k++)
        {
            int feature = featureMapSizes[k];
            double fk = steps.Count == 0 ? feature : figureSize / (double)steps[k];
            double sk1 = scales[k] / (double)figureSize;
            double sk2 = scales[k + 1] / (double)figureSize;
            double sk3 = Math.Sqrt(sk1 * sk2);
            sizes.Clear();
            sizes.Add((sk1, sk1));
            sizes.Add((sk3, sk3));
            foreach (int alpha in aspectRatios[k])
            {
                double w = sk1 * Math.Sqrt(alpha);
                double h = sk1 / Math.Sqrt(alpha);
                sizes.Add((w, h));
                sizes.Add((h, w));
            }

            // NVIDIA's order (SSD300's 8732 outputs follow it): size loop outside the cell loop. torchvision's: every size
            // of a cell together. Each box lands at its index in the chosen order; the values are the same.
            int cells = feature * feature;
            for (int s = 0; s < sizes.Count; s++)
            {
                (double w, double h) = sizes[s];
                for (int i = 0; i < feature; i++)
                {
                    for (int j = 0; j < feature; j++)
                    {
                        int cell = (i * feature) + j;
                        int box = n + (cellMajor ? (cell * sizes.Count) + s : (s * cells) + cell);
                        float cx = Math.Clamp((float)((j + 0.5) / fk), 0f, 1f);
                        float cy = Math.Clamp((float)((i + 0.5) / fk), 0f, 1f);
                        float bw = Math.Clamp((float)w, 0f, 1f);
                        float bh = Math.Clamp((float)h, 0f, 1f);
                        _cx[box] = cx;
                        _cy[box] = cy;
                        _w[box] = bw;
                        _h[box] = bh;
                        _left[box] = cx - (0.5f * bw);
                        _top[box] = cy - (0.5f * bh);
                        _right[box] = cx + (0.5f * bw);
                        _bottom[box] = cy + (0.5f * bh);
                    }
                }
            }

            n += sizes.Count * cells;
        }
    }

    /// <summary>The SSD300 COCO boxes (<c>dboxes300_coco()</c>), generated once and cached.</summary>
    public static SsdDefaultBoxes Coco300 => s_coco300.Value;

    /// <summary>The default boxes <paramref name="anchors"/> describe; SSD300's when null.</summary>
    public static SsdDefaultBoxes For(Core.Models.SsdAnchors? anchors) => anchors is null
        ? Coco300
        : new SsdDefaultBoxes(anchors.FigureSize, anchors.FeatureMaps, anchors.Steps, anchors.Scales, anchors.AspectRatios, anchors.CellMajor);

    /// <summary>Number of boxes (8732 for SSD300).</summary>
    public int Count => _cx.Length;

    /// <summary>Box centres x, clamped to [0, 1].</summary>
    public ReadOnlySpan<float> CenterX => _cx;

    /// <summary>Box centres y, clamped to [0, 1].</summary>
    public ReadOnlySpan<float> CenterY => _cy;

    /// <summary>Box widths, clamped to [0, 1].</summary>
    public ReadOnlySpan<float> Width => _w;

    /// <summary>Box heights, clamped to [0, 1].</summary>
    public ReadOnlySpan<float> Height => _h;

    /// <summary>Left edges (cx − w/2 of the clamped xywh; may be negative, as in the reference).</summary>
    public ReadOnlySpan<float> Left => _left;

    /// <summary>Top edges.</summary>
    public ReadOnlySpan<float> Top => _top;

    /// <summary>Right edges.</summary>
    public ReadOnlySpan<float> Right => _right;

    /// <summary>Bottom edges.</summary>
    public ReadOnlySpan<float> Bottom => _bottom;
}
