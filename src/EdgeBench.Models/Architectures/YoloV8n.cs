using EdgeBench.Models.Onnx;

namespace EdgeBench.Models.Architectures;

/// <summary>
/// Ultralytics YOLOv8n exactly as <c>yolov8.yaml</c> at scale n (depth 0.33, width 0.25, max channels 1024) defines it,
/// fused as <c>model.fuse()</c> leaves it for export: every Conv+BN is one convolution with weight and bias, SiLU after
/// each. Backbone Conv/C2f/SPPF to P5, PAN neck (nearest Upsample + Concat, C2f without shortcuts), Detect head with
/// the box branch cv2 (64 channels, 4·reg_max outputs, reg_max 16) and the class branch cv3 (80 channels) on P3, P4 and
/// P5, DFL (softmax over 16 bins, then a fixed 1x1 convolution with weights 0..15), dist2bbox to cx, cy, w, h times the
/// stride, class sigmoid. Input <c>images</c> [N,3,640,640] in 0..1; output [N,84,8400] as the Ultralytics ONNX export.
/// Layer names follow the PyTorch module names (<c>model.22.cv3.0.2</c>), so a reader can map weights across.
/// </summary>
internal static class YoloV8n
{
    /// <summary>Input side in pixels.</summary>
    public const int InputSize = 640;

    /// <summary>COCO classes.</summary>
    public const int Classes = 80;

    /// <summary>DFL bins per box side.</summary>
    public const int RegMax = 16;

    /// <summary>Boxes per image at 640: 80² + 40² + 20².</summary>
    public const int Anchors = 8400;

    private static readonly int[] s_strides = [8, 16, 32];

    /// <summary>
    /// Builds the graph. The final class convolution of each level (<c>model.22.cv3.i.2</c>) is initialized with gain
    /// <paramref name="classGain"/> and <paramref name="classBias"/> added to its bias, which sets how many boxes pass
    /// the score threshold; the final box convolution (<c>model.22.cv2.i.2</c>) with gain <paramref name="boxGain"/>,
    /// which sets how far the DFL distributions move from uniform, i.e. how much box sizes vary (values and why:
    /// <see cref="Zoo.ModelCatalog.YoloV8ClassBias"/>).
    /// </summary>
    public static void Build(OnnxGraphBuilder g, string inputName, string outputName, float classGain, float classBias, float boxGain)
    {
        string x = g.Input(inputName, -1, 3, InputSize, InputSize);

        // Backbone (model.0-9).
        x = Conv(g, "model.0", x, 3, 16, 3, 2);
        x = Conv(g, "model.1", x, 16, 32, 3, 2);
        x = C2f(g, "model.2", x, 32, 32, 1, shortcut: true);
        x = Conv(g, "model.3", x, 32, 64, 3, 2);
        string p3 = C2f(g, "model.4", x, 64, 64, 2, shortcut: true);
        x = Conv(g, "model.5", p3, 64, 128, 3, 2);
        string p4 = C2f(g, "model.6", x, 128, 128, 2, shortcut: true);
        x = Conv(g, "model.7", p4, 128, 256, 3, 2);
        x = C2f(g, "model.8", x, 256, 256, 1, shortcut: true);
        string p5 = Sppf(g, "model.9", x, 256, 256);

        // PAN neck (model.10-21).
        x = g.UpsampleNearest("model.10", p5, 2);
        x = g.Concat("model.11", 1, x, p4);
        string n12 = C2f(g, "model.12", x, 384, 128, 1, shortcut: false);
        x = g.UpsampleNearest("model.13", n12, 2);
        x = g.Concat("model.14", 1, x, p3);
        string small = C2f(g, "model.15", x, 192, 64, 1, shortcut: false);
        x = Conv(g, "model.16", small, 64, 64, 3, 2);
        x = g.Concat("model.17", 1, x, n12);
        string medium = C2f(g, "model.18", x, 192, 128, 1, shortcut: false);
        x = Conv(g, "model.19", medium, 128, 128, 3, 2);
        x = g.Concat("model.20", 1, x, p5);
        string large = C2f(g, "model.21", x, 384, 256, 1, shortcut: false);

        string output = Detect(g, "model.22", [small, medium, large], [64, 128, 256], classGain, classBias, boxGain);
        g.Output(output, outputName, -1, 4 + Classes, Anchors);
    }

    /// <summary>Anchor centres in grid units (x + 0.5, y + 0.5), level by level, row-major: Ultralytics' <c>make_anchors</c>.</summary>
    public static (float[] Points, float[] Strides) AnchorGrid()
    {
        var points = new float[2 * Anchors];
        var strides = new float[Anchors];
        int a = 0;
        foreach (int stride in s_strides)
        {
            int side = InputSize / stride;
            for (int y = 0; y < side; y++)
            {
                for (int x = 0; x < side; x++, a++)
                {
                    points[a] = x + 0.5f;
                    points[Anchors + a] = y + 0.5f;
                    strides[a] = stride;
                }
            }
        }

        return (points, strides);
    }

    /// <summary>Ultralytics <c>Conv</c>, fused: convolution (padding k/2) with bias, then SiLU.</summary>
    private static string Conv(OnnxGraphBuilder g, string name, string x, int inC, int outC, int k, int stride = 1) =>
        g.Silu(g.Conv(name + ".conv", x, inC, outC, k, WeightInit.Silu, stride));

    /// <summary>
    /// <c>C2f</c>: cv1 (1x1 to 2c), split into two halves, n bottlenecks on the last half each appending its output,
    /// concat of all 2+n parts, cv2 (1x1). c = out/2.
    /// </summary>
    private static string C2f(OnnxGraphBuilder g, string name, string x, int inC, int outC, int n, bool shortcut)
    {
        int c = outC / 2;
        string cv1 = Conv(g, name + ".cv1", x, inC, 2 * c, 1);
        string[] halves = g.Split(name + ".split", cv1, 1, c, c);
        var parts = new List<string>(halves);
        for (int i = 0; i < n; i++)
        {
            string input = parts[^1];
            string y = Conv(g, $"{name}.m.{i}.cv1", input, c, c, 3);
            y = Conv(g, $"{name}.m.{i}.cv2", y, c, c, 3);
            parts.Add(shortcut ? g.Add($"{name}.m.{i}.add", input, y) : y);
        }

        string cat = g.Concat(name + ".cat", 1, [.. parts]);
        return Conv(g, name + ".cv2", cat, (2 + n) * c, outC, 1);
    }

    /// <summary><c>SPPF</c>: cv1 (1x1 to in/2), three chained 5x5 max-pools (stride 1, pad 2), concat of four, cv2 (1x1).</summary>
    private static string Sppf(OnnxGraphBuilder g, string name, string x, int inC, int outC)
    {
        int c = inC / 2;
        string y0 = Conv(g, name + ".cv1", x, inC, c, 1);
        string y1 = g.MaxPool(name + ".m.0", y0, 5, 1, 2, 2, 2, 2);
        string y2 = g.MaxPool(name + ".m.1", y1, 5, 1, 2, 2, 2, 2);
        string y3 = g.MaxPool(name + ".m.2", y2, 5, 1, 2, 2, 2, 2);
        string cat = g.Concat(name + ".cat", 1, y0, y1, y2, y3);
        return Conv(g, name + ".cv2", cat, 4 * c, outC, 1);
    }

    /// <summary>
    /// <c>Detect</c> in export mode: per level cat(cv2, cv3) → [N,144,h·w], levels concatenated → [N,144,8400], split
    /// into box (64) and class (80) channels, DFL on the box part, dist2bbox (xywh) times the stride, sigmoid on the
    /// class part, concat → [N,84,8400].
    /// </summary>
    private static string Detect(OnnxGraphBuilder g, string name, string[] levels, int[] channels, float classGain, float classBias, float boxGain)
    {
        int c2 = Math.Max(Math.Max(16, channels[0] / 4), RegMax * 4);   // 64
        int c3 = Math.Max(channels[0], Math.Min(Classes, 100));          // 80
        int no = Classes + (4 * RegMax);                                 // 144
        var flat = new string[levels.Length];
        for (int i = 0; i < levels.Length; i++)
        {
            string box = Conv(g, $"{name}.cv2.{i}.0", levels[i], channels[i], c2, 3);
            box = Conv(g, $"{name}.cv2.{i}.1", box, c2, c2, 3);
            box = g.Conv($"{name}.cv2.{i}.2", box, c2, 4 * RegMax, 1, new WeightInit(boxGain));
            string cls = Conv(g, $"{name}.cv3.{i}.0", levels[i], channels[i], c3, 3);
            cls = Conv(g, $"{name}.cv3.{i}.1", cls, c3, c3, 3);
            cls = g.Conv($"{name}.cv3.{i}.2", cls, c3, Classes, 1, new WeightInit(classGain), adjustBias: bias =>
            {
                foreach (ref float b in bias)
                {
                    b += classBias;
                }
            });
            string level = g.Concat($"{name}.cat.{i}", 1, box, cls);
            flat[i] = g.Reshape($"{name}.flat.{i}", level, 0, no, -1);
        }

        string all = g.Concat($"{name}.cat", 2, flat);
        string[] split = g.Split($"{name}.split", all, 1, 4 * RegMax, Classes);

        // DFL: view(b, 4, 16, a).transpose(2, 1).softmax(1), then conv 16→1 with weights 0..15 = expected bin.
        string bins = g.Reshape($"{name}.dfl.view", split[0], 0, 4, RegMax, -1);
        bins = g.Transpose($"{name}.dfl.transpose", bins, 0, 2, 1, 3);
        bins = g.Softmax($"{name}.dfl.softmax", bins, 1);
        string distance = g.FixedConv1x1($"{name}.dfl.conv", bins, RegMax, 1, Enumerable.Range(0, RegMax).Select(i => (float)i).ToArray());
        distance = g.Reshape($"{name}.dfl.out", distance, 0, 4, -1);

        // dist2bbox(xywh=True): x1y1 = anchor − lt, x2y2 = anchor + rb, centre = (x1y1 + x2y2)/2, wh = x2y2 − x1y1; × stride.
        (float[] points, float[] strides) = AnchorGrid();
        string anchors = g.Constant($"{name}.anchors", [2, Anchors], points);
        string strideRow = g.Constant($"{name}.strides", [1, Anchors], strides);
        string[] ltrb = g.Split($"{name}.dist.split", distance, 1, 2, 2);
        string x1y1 = g.Sub($"{name}.x1y1", anchors, ltrb[0]);
        string x2y2 = g.Add($"{name}.x2y2", anchors, ltrb[1]);
        string centre = g.Mul($"{name}.cxy", g.Add($"{name}.cxy_sum", x1y1, x2y2), g.Constant($"{name}.half", 0.5f));
        string size = g.Sub($"{name}.wh", x2y2, x1y1);
        string boxes = g.Mul($"{name}.dbox", g.Concat($"{name}.xywh", 1, centre, size), strideRow);
        string scores = g.Sigmoid(split[1]);
        return g.Concat($"{name}.out", 1, boxes, scores);
    }
}
