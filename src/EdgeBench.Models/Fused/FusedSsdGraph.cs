using EdgeBench.Models.Onnx;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgeBench.Models.Fused;

/// <summary>
/// Builds level 2 of the SSD optimization ladder as one ONNX graph: camera frames in, a fixed number of detections
/// out, with preprocessing, the SSD300 model and decoding + NMS all in the graph, so an accelerator's execution
/// provider runs every stage and the host reads only the small results.
/// </summary>
/// <remarks>
/// <para>The graph, per batch of N frames (shapes in comments of each step below):</para>
/// <list type="number">
/// <item>Preprocess: uint8 [N,H,W,3] BGR -> Transpose to NCHW -> Gather [2,1,0] on the channel axis (BGR -> RGB)
/// -> Cast float -> Resize to the model input (mode linear, coordinate_transformation_mode half_pixel: the
/// sampling of OpenCV's INTER_LINEAR and of the C# Preprocessor, s = (d + 0.5) * in/out - 0.5 clamped at the edges;
/// opset 17 has no antialias, and the C# resize does not antialias either) -> x * scale[c] + offset[c]
/// (Normalization.Affine). Measured against the C# Preprocessor on 640x480 frames: at most 5.5e-5 apart in the
/// -1..1 range (0.7% of one 8-bit level), from ONNX Runtime computing coordinates and weights in float where the C#
/// tables use double (FusedSsdGraphTests).</item>
/// <item>The SSD graph, inlined unchanged: its nodes and initializers, fed by the preprocess output under its input
/// name; an fp16 model (fp16 I/O) gets Casts at its edges, so the decode below stays fp32.</item>
/// <item>Decode: Softmax over the classes; drop background; TopK <see cref="FusedSsdSpec.CandidatesPerClass"/> (200) per
/// class, then TopK K of those per image (K = <see cref="FusedSsdSpec.Candidates"/>);
/// decode the 8732 boxes against the default boxes (variances 0.1/0.2, NVIDIA's scale_back_batch order) and gather
/// the K candidates' boxes.</item>
/// <item>NMS per class over the K candidates, greedy, IoU &gt; 0.5 suppresses, score &gt; 0.05, in one of two
/// forms (<see cref="FusedSsdSpec.Nms"/>): <see cref="FusedNms.Matrix"/> (the default; fixed shapes, see
/// <see cref="MatrixNms"/>) or <see cref="FusedNms.Operator"/>, ONNX's NonMaxSuppression with every class in one call
/// (torchvision's batched_nms trick: each class shifted into its own coordinate range). Either gives a [N,K] score
/// tensor with 0 for every candidate not kept.</item>
/// <item>Fixed shape: TopK MaxDetections of those scores (greedy NMS keeps in score order, so these are the first
/// kept ones): outputs <c>det_scores</c> [N,200], <c>det_labels</c> [N,200] (class ids 1..80 as float),
/// <c>det_boxes</c> [N,200,4] (l,t,r,b relative). A slot with score &lt;= 0 is empty.</item>
/// </list>
/// <para>Every op used has a CUDA kernel registered in ONNX Runtime's CUDA execution provider
/// (onnxruntime/core/providers/cuda/cuda_execution_provider.cc): Cast, Gather, Transpose, Resize, Mul, Add, Sub,
/// Softmax, Slice, Reshape, TopK, Div, Exp, Concat, Unsqueeze, Expand, GatherElements, GatherND, ReduceMax,
/// ReduceMin, NonMaxSuppression, ConstantOfShape, ScatterND, Shape, Identity, Relu, Min, Max, Greater, Less, Equal,
/// And, MatMul, Squeeze, Abs, Neg, Loop (its condition and trip count live on the host, by the op's definition). With
/// matrix NMS in its unrolled form the graph has no Loop and no Shape: every node runs on the device with fixed
/// shapes, which is what capturing the whole run as one CUDA graph needs.</para>
/// <para>Differences from the C# postprocess (SsdPostprocessor), by design: of the top 200 per class (as there) only
/// the best K over all classes go on to NMS; NMS suppresses at IoU &gt; 0.5 (ONNX) where NVIDIA's
/// reference suppresses at &gt;= 0.5; the operator form's class offset adds rounding of about 1e-5 to coordinates before
/// the IoU test (the matrix form computes the IoU from the decoded coordinates themselves).</para>
/// </remarks>
internal static class FusedSsdGraph
{
    /// <summary>Name of the frames input: uint8 [N, H, W, 3], BGR (as a camera decoder hands frames over).</summary>
    public const string FramesInput = "frames";

    /// <summary>Scores [N, MaxDetections], best first; a slot with score &lt;= 0 holds no detection.</summary>
    public const string ScoresOutput = "det_scores";

    /// <summary>Class ids [N, MaxDetections] (1..80 as float; background is never reported).</summary>
    public const string LabelsOutput = "det_labels";

    /// <summary>Boxes [N, MaxDetections, 4] as left, top, right, bottom in relative coordinates.</summary>
    public const string BoxesOutput = "det_boxes";

    /// <summary>
    /// [N, 1]: 1 where the detections of that image are greedy NMS's, 0 where the unrolled matrix NMS
    /// (<see cref="FusedSsdSpec.NmsSteps"/>) had not reached its fixed point and the image must be rerun with the exact
    /// form. Always 1 for the Loop and operator forms.
    /// </summary>
    public const string ConvergedOutput = "nms_converged";

    /// <summary>Input of the decode-only graph: box regressions [N, 4, B].</summary>
    public const string LocsInput = "locs";

    /// <summary>Input of the decode-only graph: class logits [N, C, B].</summary>
    public const string LogitsInput = "scores";

    /// <summary>Output of the preprocess-only graph: the model input [N, 3, h, w] fp32.</summary>
    public const string PreprocessedOutput = "preprocessed";

    private const string Prefix = "fused/";
    private const int MinimumOpset = 13;

    /// <summary>The fused graph around <paramref name="ssd"/> (inputs: one image tensor; outputs: locs, scores).</summary>
    public static ModelProto Build(ModelProto ssd, FusedSsdSpec spec)
    {
        ArgumentNullException.ThrowIfNull(ssd);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        GraphProto source = ssd.Graph;
        var initializers = source.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        ValueInfoProto[] inputs = source.Input.Where(i => !initializers.Contains(i.Name)).ToArray();
        if (inputs.Length != 1 || source.Output.Count != 2)
        {
            throw new ArgumentException($"Expected an SSD graph with one image input and two outputs (locs, scores); it has {inputs.Length} inputs, {source.Output.Count} outputs.", nameof(ssd));
        }

        if (source.Node.Any(n => n.Name.StartsWith(Prefix, StringComparison.Ordinal) || n.Output.Any(o => o.StartsWith(Prefix, StringComparison.Ordinal))))
        {
            throw new ArgumentException($"The SSD graph already uses names starting with '{Prefix}'.", nameof(ssd));
        }

        var w = new Writer($"{source.Name}-fused");
        string frames = w.Input(FramesInput, DataType.Uint8, [-1, spec.FrameHeight, spec.FrameWidth, 3]);
        string preprocessed = Preprocess(w, frames, spec);

        // The model, inlined: its input name is produced by the preprocess (cast to fp16 for an fp16-I/O model).
        ValueInfoProto modelInput = inputs[0];
        if (modelInput.Type.TensorType.ElemType == (int)DataType.Float16)
        {
            w.Cast(preprocessed, DataType.Float16, modelInput.Name);
        }
        else
        {
            w.Add(OnnxGraphBuilder.Node("Identity", Prefix + "model_input", [preprocessed], [modelInput.Name]));
        }

        w.Graph.Node.Add(source.Node);
        w.Graph.Initializer.Add(source.Initializer);
        w.Graph.ValueInfo.Add(source.ValueInfo);
        string locs = AsFloat(w, source.Output[0]);
        string logits = AsFloat(w, source.Output[1]);
        Decode(w, locs, logits, spec);

        int opset = (int)Math.Max(MinimumOpset, ssd.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(OnnxGraphBuilder.Opset).Max());
        var model = w.Build(opset, Math.Max(OnnxGraphBuilder.IrVersion, ssd.IrVersion), $"EdgeBench fused SSD: uint8 BGR frames -> preprocess -> {source.Name} -> softmax, decode, top-{spec.Candidates}, NMS -> {spec.MaxDetections} detections per image.");
        model.OpsetImport.Add(ssd.OpsetImport.Where(o => o.Domain is not ("" or "ai.onnx")));
        return model;
    }

    /// <summary>The preprocess part alone (frames -> fp32 model input), for tests that measure it against the C# one.</summary>
    public static ModelProto BuildPreprocess(FusedSsdSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var w = new Writer("fused-preprocess");
        string frames = w.Input(FramesInput, DataType.Uint8, [-1, spec.FrameHeight, spec.FrameWidth, 3]);
        w.Output(Preprocess(w, frames, spec), PreprocessedOutput, DataType.Float, [-1, 3, spec.InputHeight, spec.InputWidth]);
        return w.Build(OnnxGraphBuilder.Opset, OnnxGraphBuilder.IrVersion, "EdgeBench fused SSD: preprocess only");
    }

    /// <summary>The decode part alone (locs [N,4,B], logits [N,C,B] -> fixed-shape detections), for tests.</summary>
    public static ModelProto BuildDecode(FusedSsdSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var w = new Writer("fused-decode");
        string locs = w.Input(LocsInput, DataType.Float, [-1, 4, spec.Boxes]);
        string logits = w.Input(LogitsInput, DataType.Float, [-1, spec.Classes, spec.Boxes]);
        Decode(w, locs, logits, spec);
        return w.Build(OnnxGraphBuilder.Opset, OnnxGraphBuilder.IrVersion, "EdgeBench fused SSD: decode only");
    }

    /// <summary>uint8 [N,H,W,3] BGR -> fp32 [N,3,h,w] normalized RGB; returns the output tensor's name.</summary>
    private static string Preprocess(Writer w, string frames, FusedSsdSpec spec)
    {
        // Transpose and channel flip on the bytes, then one Cast: the same values, a quarter of the memory traffic
        // (ONNX Runtime's CUDA provider runs a float Transpose of a whole frame as several cuBLAS kernels).
        string x = w.Op("Transpose", [frames], a => a.Add(OnnxGraphBuilder.Ints("perm", 0, 3, 1, 2))); // [N,3,H,W] uint8 BGR
        x = w.Op("Gather", [x, w.Int64s("bgr_to_rgb", [3], [2, 1, 0])], a => a.Add(OnnxGraphBuilder.Int("axis", 1))); // RGB
        x = w.Cast(x, DataType.Float);                                                            // [N,3,H,W] float

        // Scales, not sizes: sizes would need the batch from a Shape op, a host-side node that keeps the graph from
        // being captured as one CUDA graph. With sizes ONNX Runtime computes the scale as (float)out / in; the same
        // value here gives the same sampling, as long as floor(in x scale) still reaches out (else one ulp more).
        x = w.Op("Resize", [x, string.Empty, w.Floats("resize_scales", [4], [1f, 1f, ResizeScale(spec.FrameHeight, spec.InputHeight), ResizeScale(spec.FrameWidth, spec.InputWidth)])], a =>
        {
            a.Add(OnnxGraphBuilder.String("mode", "linear"));
            a.Add(OnnxGraphBuilder.String("coordinate_transformation_mode", "half_pixel"));
        });                                                                                       // [N,3,h,w]

        float[] scale = new float[3], offset = new float[3];
        for (int c = 0; c < 3; c++)
        {
            (scale[c], offset[c]) = spec.Normalization.Affine(c);
        }

        x = w.Op("Mul", [x, w.Floats("norm_scale", [1, 3, 1, 1], scale)]);
        return w.Op("Add", [x, w.Floats("norm_offset", [1, 3, 1, 1], offset)]);
    }

    /// <summary>The Resize scale that maps <paramref name="input"/> pixels onto exactly <paramref name="output"/>.</summary>
    internal static float ResizeScale(int input, int output)
    {
        float scale = (float)output / input;
        while ((long)(input * scale) < output) // ONNX Runtime's output size: the float product, truncated
        {
            scale = MathF.BitIncrement(scale);
        }

        return scale;
    }

    /// <summary>locs [N,4,B], logits [N,C,B] (fp32) -> the four fixed-shape outputs (detections and nms_converged).</summary>
    private static void Decode(Writer w, string locs, string logits, FusedSsdSpec spec)
    {
        int b = spec.Boxes;
        int k = spec.Candidates;

        // Class probabilities without background: [N, C-1, B]. The best PerClass boxes of each class (one TopK row per
        // image and class, so the rows run side by side on a GPU), then the best K of those per image.
        int perClass = spec.PerClass;
        string probs = w.Op("Softmax", [logits], a => a.Add(OnnxGraphBuilder.Int("axis", 1)));  // [N,C,B]
        probs = w.Op("Slice", [probs, w.Int64s("fg_start", [1], [1]), w.Int64s("fg_end", [1], [spec.Classes]), w.Int64s("fg_axis", [1], [1])]);
        string[] perClassTop = w.Ops("TopK", [probs, w.Int64s("per_class", [1], [perClass])], 2, a =>
        {
            a.Add(OnnxGraphBuilder.Int("axis", -1));
            a.Add(OnnxGraphBuilder.Int("largest", 1));
            a.Add(OnnxGraphBuilder.Int("sorted", 1));
        });                                                                                       // [N,C-1,P] scores, box ids
        string flatShape = w.Int64s("flat_shape", [2], [0, -1]);
        string[] top = w.Ops("TopK", [w.Op("Reshape", [perClassTop[0], flatShape]), w.Int64s("k", [1], [k])], 2, a =>
        {
            a.Add(OnnxGraphBuilder.Int("axis", -1));
            a.Add(OnnxGraphBuilder.Int("largest", 1));
            a.Add(OnnxGraphBuilder.Int("sorted", 1));
        });                                                                                       // [N,K] over (class-1) x P + rank
        string topScores = top[0];                                                                // [N,K]
        string boxIndex = w.Op("GatherElements", [w.Op("Reshape", [perClassTop[1], flatShape]), top[1]], a => a.Add(OnnxGraphBuilder.Int("axis", 1))); // [N,K] int64
        string classIndex = w.Op("Div", [top[1], w.Int64s("per_class_count", [], [perClass])]);  // [N,K] 0-based, no background
        string classFloat = w.Cast(classIndex, DataType.Float);
        string labels = w.Op("Add", [classFloat, w.Floats("one", [], [1f])]);                     // [N,K] class ids

        // Decode every default box (NVIDIA's scale_back_batch): xy = scale_xy*loc_xy*prior_wh + prior_xy,
        // wh = exp(scale_wh*loc_wh)*prior_wh, then ltrb. [N,4,B] -> [N,B,4].
        string priorXy = w.Floats("prior_xy", [1, 2, b], [.. spec.PriorCenterX, .. spec.PriorCenterY]);
        string priorWh = w.Floats("prior_wh", [1, 2, b], [.. spec.PriorWidth, .. spec.PriorHeight]);
        string locXy = w.Op("Slice", [locs, w.Int64s("xy_start", [1], [0]), w.Int64s("xy_end", [1], [2]), w.Int64s("loc_axis", [1], [1])]);
        string locWh = w.Op("Slice", [locs, w.Int64s("wh_start", [1], [2]), w.Int64s("wh_end", [1], [4]), "fused/loc_axis"]);
        string xy = w.Op("Add", [w.Op("Mul", [w.Op("Mul", [locXy, w.Floats("scale_xy", [], [spec.ScaleXy])]), priorWh]), priorXy]);
        string wh = w.Op("Mul", [w.Op("Exp", [w.Op("Mul", [locWh, w.Floats("scale_wh", [], [spec.ScaleWh])])]), priorWh]);
        string halfWh = w.Op("Mul", [wh, w.Floats("half", [], [0.5f])]);
        string ltrb = w.Op("Concat", [w.Op("Sub", [xy, halfWh]), w.Op("Add", [xy, halfWh])], a => a.Add(OnnxGraphBuilder.Int("axis", 1)));
        string boxes = w.Op("Transpose", [ltrb], a => a.Add(OnnxGraphBuilder.Ints("perm", 0, 2, 1))); // [N,B,4]

        // The K candidates' boxes: GatherElements along the box axis with the index repeated for the 4 coordinates.
        string four = w.Int64s("index_expand", [3], [1, 1, 4]);
        string lastAxis = w.Int64s("last_axis", [1], [-1]);
        string boxIndex4 = w.Op("Expand", [w.Op("Unsqueeze", [boxIndex, lastAxis]), four]);     // [N,K,4]
        string candidates = w.Op("GatherElements", [boxes, boxIndex4], a => a.Add(OnnxGraphBuilder.Int("axis", 1))); // [N,K,4]

        (string masked, string converged) = spec.Nms == FusedNms.Matrix
            ? MatrixNms(w, candidates, topScores, classIndex, spec)
            : (OperatorNms(w, candidates, topScores, classFloat, lastAxis, spec), OnesPerImage(w, topScores)); // [N,K], [N,1]
        string[] final = w.Ops("TopK", [masked, w.Int64s("max_detections", [1], [spec.MaxDetections])], 2, a =>
        {
            a.Add(OnnxGraphBuilder.Int("axis", -1));
            a.Add(OnnxGraphBuilder.Int("largest", 1));
            a.Add(OnnxGraphBuilder.Int("sorted", 1));
        });                                                                                       // [N,D] scores, [N,D] k
        string finalLabels = w.Op("GatherElements", [labels, final[1]], a => a.Add(OnnxGraphBuilder.Int("axis", 1)));
        string finalIndex4 = w.Op("Expand", [w.Op("Unsqueeze", [final[1], lastAxis]), four]);
        string finalBoxes = w.Op("GatherElements", [candidates, finalIndex4], a => a.Add(OnnxGraphBuilder.Int("axis", 1)));

        w.Output(final[0], ScoresOutput, DataType.Float, [-1, spec.MaxDetections]);
        w.Output(finalLabels, LabelsOutput, DataType.Float, [-1, spec.MaxDetections]);
        w.Output(finalBoxes, BoxesOutput, DataType.Float, [-1, spec.MaxDetections, 4]);
        w.Output(converged, ConvergedOutput, DataType.Float, [-1, 1]);
    }

    /// <summary>
    /// Exact greedy NMS in fixed shapes (Cluster-NMS, Zheng et al. 2020, "Enhancing Geometric Factors in Model
    /// Learning and Inference for Object Detection and Instance Segmentation", section 4): with the K candidates in
    /// score order (TopK sorted them) and S[j,i] = 1 where candidate j comes before i, is of the same class and
    /// overlaps it at IoU &gt; threshold, greedy NMS keeps i exactly when no kept j has S[j,i] = 1. Iterating
    /// keep' = valid AND (keep x S == 0) from keep = valid reaches that fixed point: after t steps the first t
    /// candidates are decided as greedy decides them, and the fixed point is unique (each entry depends only on
    /// earlier ones), so stopping when a step changes nothing gives greedy's result exactly. Clusters of
    /// overlapping boxes are small, so it takes a few steps where the bound is K.
    /// </summary>
    /// <remarks>
    /// Why not ONNX's NonMaxSuppression (<see cref="OperatorNms"/>): its output has a data-dependent size, so on the
    /// CUDA provider it ends in a device-to-host wait that can cost more than the SSD300 itself (docs/ssd-ladder.md,
    /// eng/gpu/profiles/ssd-ladder-h200.txt). Here every tensor has a fixed shape: the IoU matrix is K x K
    /// per image (1000 x 1000: 4 MB, a few microseconds of elementwise work on a GPU), and each step is one batched
    /// MatMul. Two forms (<see cref="FusedSsdSpec.NmsSteps"/>): unrolled, [1,K+1] x [K+1,K+1] with an augmented
    /// matrix and a Relu per step plus a per-image "did the last step change anything" output, no Loop (so a CUDA
    /// graph can capture it); or looped, [1,K] x [K,K] steps two per iteration of a Loop whose condition is "the last
    /// step changed something" (one boolean per iteration crosses to the host). Sums in the MatMuls are of 0/+-1
    /// products, at most K of them: exact in fp32 and in TF32 alike.
    /// The IoU is computed with the operations of <c>BoundingBox.IoU</c> (intersection from clamped widths and heights,
    /// areas, union, one division), and suppresses at IoU &gt; threshold as ONNX's NonMaxSuppression does.
    /// Returns the candidates' scores, 0 where not kept.
    /// </remarks>
    private static (string Scores, string Converged) MatrixNms(Writer w, string candidates, string topScores, string classIndex, FusedSsdSpec spec)
    {
        int k = spec.Candidates;
        string axis2 = w.Int64s("nms_axis2", [1], [2]);
        string axis1 = w.Int64s("nms_axis1", [1], [1]);

        // Each coordinate as a column [N,K,1] (candidate j, the suppressor) and as a row [N,1,K] (candidate i).
        var column = new string[4];
        var row = new string[4];
        for (int c = 0; c < 4; c++)
        {
            column[c] = w.Op("Slice", [candidates, w.Int64s($"nms_coord{c}_start", [1], [c]), w.Int64s($"nms_coord{c}_end", [1], [c + 1]), axis2]);
            row[c] = w.Op("Transpose", [column[c]], a => a.Add(OnnxGraphBuilder.Ints("perm", 0, 2, 1)));
        }

        const int left = 0, top = 1, right = 2, bottom = 3;
        string width = w.Op("Relu", [w.Op("Sub", [w.Op("Min", [column[right], row[right]]), w.Op("Max", [column[left], row[left]])])]);     // [N,K,K]
        string height = w.Op("Relu", [w.Op("Sub", [w.Op("Min", [column[bottom], row[bottom]]), w.Op("Max", [column[top], row[top]])])]);
        string intersection = w.Op("Mul", [width, height]);
        string areaColumn = w.Op("Mul", [w.Op("Relu", [w.Op("Sub", [column[right], column[left]])]), w.Op("Relu", [w.Op("Sub", [column[bottom], column[top]])])]);
        string areaRow = w.Op("Transpose", [areaColumn], a => a.Add(OnnxGraphBuilder.Ints("perm", 0, 2, 1)));
        string union = w.Op("Sub", [w.Op("Add", [areaColumn, areaRow]), intersection]);
        // Two empty boxes give 0/0 = NaN, and NaN > t is false: not suppressed, as BoundingBox.IoU's 0.
        string overlaps = w.Op("Greater", [w.Op("Div", [intersection, union]), w.Floats("nms_iou_threshold", [], [spec.IouThreshold])]);

        string sameClass = w.Op("Equal", [w.Op("Unsqueeze", [classIndex, axis2]), w.Op("Unsqueeze", [classIndex, axis1])]);            // [N,K,K]
        long[] order = Enumerable.Range(0, k).Select(i => (long)i).ToArray();
        string earlier = w.Op("Less", [w.Int64s("nms_order_column", [k, 1], order), w.Int64s("nms_order_row", [1, k], order)]);         // [K,K]
        string suppresses = w.Cast(w.Op("And", [w.Op("And", [overlaps, sameClass]), earlier]), DataType.Float);                    // S [N,K,K]
        string valid = w.Cast(w.Op("Greater", [topScores, w.Floats("nms_score_threshold", [], [spec.ScoreThreshold])]), DataType.Float); // [N,K]

        string keep, converged;
        if (spec.NmsSteps > 0)
        {
            // Unrolled: a fixed number of steps, then "did the last one change anything?" per image. Where it did,
            // the result is not yet greedy's and the runner runs the exact (Loop) form instead.
            // keep is carried as x = [keep, 1, 0, ..., 0] (M = K + pads entries, M a multiple of the row blocks below)
            // with A = [[-S, 0], [valid, e0], [0, e1], ...] ([N,M,M]): x A = [valid - keep x S, 1, 0, ...], so
            // Relu(x A) is the next x. Entries are 0, +-1 and sums of at most K of them: exact in fp32 and TF32.
            // x A runs as rowBlocks products over M/rowBlocks rows each, then a sum: as one [1,M] x [M,M] product,
            // cuBLAS gives it 32 thread blocks that each reduce all M rows (the slowest kernel of a step, see
            // docs/ssd-ladder.md); split, each block reduces a quarter of them.
            const int rowBlocks = 4;
            int m = (k + 1 + rowBlocks - 1) / rowBlocks * rowBlocks;
            int pads = m - k;
            string onesColumn = w.Op("Unsqueeze", [OnesPerImage(w, valid), axis2]);              // [N,1,1]
            string validRow = w.Op("Unsqueeze", [valid, axis1]);                                  // [N,1,K]
            float[] identity = new float[pads * pads];
            for (int p = 0; p < pads; p++)
            {
                identity[(p * pads) + p] = 1f;
            }

            string padIdentity = w.Op("Mul", [onesColumn, w.Floats("nms_pad_identity", [1, pads, pads], identity)]);         // [N,P,P]
            string padZeros = w.Op("Mul", [w.Op("Unsqueeze", [valid, axis2]), w.Floats("nms_pad_zeros", [1, 1, pads], new float[pads])]); // [N,K,P]
            string bottomLeft = pads == 1
                ? validRow
                : w.Op("Concat", [validRow, w.Op("Mul", [validRow, w.Floats("nms_pad_rows", [1, pads - 1, 1], new float[pads - 1])])], a => a.Add(OnnxGraphBuilder.Int("axis", 1))); // [N,P,K]
            string augmented = w.Op("Concat", [
                w.Op("Concat", [w.Op("Neg", [suppresses]), padZeros], a => a.Add(OnnxGraphBuilder.Int("axis", 2))),
                w.Op("Concat", [bottomLeft, padIdentity], a => a.Add(OnnxGraphBuilder.Int("axis", 2)))], a => a.Add(OnnxGraphBuilder.Int("axis", 1))); // [N,M,M]
            augmented = w.Op("Reshape", [augmented, w.Int64s("nms_row_blocks", [4], [0, rowBlocks, m / rowBlocks, m])]); // [N,B,M/B,M]
            float[] firstPad = new float[pads];
            firstPad[0] = 1f;
            string current = w.Op("Concat", [validRow, w.Op("Mul", [onesColumn, w.Floats("nms_pad_start", [1, 1, pads], firstPad)])], a => a.Add(OnnxGraphBuilder.Int("axis", 2))); // [N,1,M]
            string blockShape = w.Int64s("nms_x_blocks", [4], [0, rowBlocks, 1, m / rowBlocks]);
            string blockAxis = w.Int64s("nms_block_axis", [1], [1]);
            string previous = current;
            for (int step = 0; step < spec.NmsSteps; step++)
            {
                previous = current;
                string products = w.Op("MatMul", [w.Op("Reshape", [current, blockShape]), augmented]); // [N,B,1,M]
                current = w.Op("Relu", [w.Op("ReduceSum", [products, blockAxis])]);                     // [N,1,1,M]
            }

            string lastAxisOf4 = w.Int64s("nms_last_axis", [1], [-1]);
            string changes = w.Op("ReduceSum", [w.Op("Abs", [w.Op("Sub", [current, previous])]), lastAxisOf4]); // [N,1,1,1]
            string flat = w.Int64s("nms_flat", [2], [0, -1]);
            converged = w.Op("Reshape", [w.Op("Relu", [w.Op("Sub", [w.Floats("nms_one", [], [1f]), changes])]), flat]); // [N,1]: 1 or 0
            keep = w.Op("Reshape", [w.Op("Slice", [current, w.Int64s("nms_keep_start", [1], [0]), w.Int64s("nms_keep_end", [1], [k]), lastAxisOf4]), flat]); // [N,K]
        }
        else
        {
            // The loop body: two steps, then "did the second change anything?". S and valid come from the outer graph.
            var body = new Writer("fused-nms-step", Prefix + "nms_loop/");
            body.Input(Prefix + "nms_loop/iteration", DataType.Int64, []);
            body.Input(Prefix + "nms_loop/condition", DataType.Bool, []);
            string current = body.Input(Prefix + "nms_loop/keep", DataType.Float, [-1, k]);
            string bodyAxis1 = body.Int64s("axis1", [1], [1]);
            string once = NmsStep(body, current, suppresses, valid, bodyAxis1);
            string twice = NmsStep(body, once, suppresses, valid, bodyAxis1);
            string changed = body.Op("Greater", [
                body.Op("ReduceMax", [body.Op("Abs", [body.Op("Sub", [twice, once])])], a => a.Add(OnnxGraphBuilder.Int("keepdims", 0))),
                body.Floats("zero", [], [0f])]);
            body.Output(changed, Prefix + "nms_loop/changed", DataType.Bool, []);
            body.Output(twice, Prefix + "nms_loop/keep_next", DataType.Float, [-1, k]);

            // After t steps the first t candidates are final, so K/2 + 1 iterations always reach the fixed point.
            keep = w.Ops("Loop", [w.Int64s("nms_max_iterations", [], [(k / 2) + 1]), w.Bools("nms_start", [], [true]), valid], 1, a => a.Add(new AttributeProto
            {
                Name = "body",
                Type = AttributeProto.Types.AttributeType.Graph,
                G = body.Graph,
            }))[0];
            converged = OnesPerImage(w, keep);
        }

        return (w.Op("Mul", [topScores, keep]), converged);                                       // [N,K], [N,1]
    }

    /// <summary>
    /// [N,1] of ones from a finite [N,K] tensor without a Shape op (which would run on the host): its first column
    /// x 0 + 1. (A MatMul with a zero vector does the same in one node fewer, but cuBLAS runs it as split-K plus a
    /// separate reduction kernel.)
    /// </summary>
    private static string OnesPerImage(Writer w, string like)
    {
        int id = w.NextId();
        string first = w.Op("Slice", [like, w.Int64s($"first_start_{id}", [1], [0]), w.Int64s($"first_end_{id}", [1], [1]), w.Int64s($"first_axis_{id}", [1], [1])]);
        return w.Op("Add", [w.Op("Mul", [first, w.Floats($"zero_{id}", [], [0f])]), w.Floats($"one_{id}", [], [1f])]);
    }

    /// <summary>
    /// One step: keep'[i] = valid[i] where no kept candidate suppresses i, else 0, as Relu(valid - keep x S): the
    /// count keep x S is a whole number, so valid - count is 1 only for a valid, unsuppressed candidate.
    /// </summary>
    private static string NmsStep(Writer w, string keep, string suppresses, string valid, string axis1)
    {
        string counts = w.Op("Squeeze", [w.Op("MatMul", [w.Op("Unsqueeze", [keep, axis1]), suppresses]), axis1]); // [N,K]
        return w.Op("Relu", [w.Op("Sub", [valid, counts])]);
    }

    /// <summary>
    /// ONNX's NonMaxSuppression over the K candidates, all classes in one call (torchvision's batched_nms trick:
    /// each class shifted into its own coordinate range). Its output, selected_indices [M,3], has a data-dependent
    /// M, so the provider must finish the op and size that tensor before the graph goes on: on the CUDA provider
    /// that wait can cost more than the SSD300 itself (docs/ssd-ladder.md). Kept as the reference the matrix form is
    /// tested against. Returns the candidates' scores, 0 where not kept.
    /// </summary>
    private static string OperatorNms(Writer w, string candidates, string topScores, string classFloat, string lastAxis, FusedSsdSpec spec)
    {
        // batched_nms: shift each class into its own coordinate range, then one NMS "class" handles every class.
        // Reduced over every axis to scalars (no axes: valid for ReduceMin/Max before and after opset 18).
        string min = w.Op("ReduceMin", [candidates], a => a.Add(OnnxGraphBuilder.Int("keepdims", 0)));
        string max = w.Op("ReduceMax", [candidates], a => a.Add(OnnxGraphBuilder.Int("keepdims", 0)));
        string span = w.Op("Add", [w.Op("Sub", [max, min]), "fused/one"]);                     // scalar
        string shift = w.Op("Unsqueeze", [w.Op("Mul", [classFloat, span]), lastAxis]);         // [N,K,1]
        string nmsBoxes = w.Op("Add", [w.Op("Sub", [candidates, min]), shift]);                 // [N,K,4]
        string nmsScores = w.Op("Unsqueeze", [topScores, w.Int64s("class_axis", [1], [1])]);   // [N,1,K]
        string selected = w.Op("NonMaxSuppression", [
            nmsBoxes, nmsScores,
            w.Int64s("max_output", [1], [spec.MaxDetections]),
            w.Floats("iou_threshold", [1], [spec.IouThreshold]),
            w.Floats("score_threshold", [1], [spec.ScoreThreshold])]);                         // [M,3] (batch, 0, k)

        // Fixed shape: the selected candidates keep their score, the others get 0; the top MaxDetections of that.
        string batchAndK = w.Op("Gather", [selected, w.Int64s("batch_and_k", [2], [0, 2])], a => a.Add(OnnxGraphBuilder.Int("axis", 1))); // [M,2]
        string selectedScores = w.Op("GatherND", [topScores, batchAndK]);                       // [M]
        string zeros = w.Op("ConstantOfShape", [w.Op("Shape", [topScores])], a => a.Add(new AttributeProto
        {
            Name = "value",
            Type = AttributeProto.Types.AttributeType.Tensor,
            T = OnnxGraphBuilder.FloatTensor("zero", [1], [0f]),
        }));
        return w.Op("ScatterND", [zeros, batchAndK, selectedScores]);                           // [N,K]
    }

    /// <summary>A model output as fp32: itself, or a Cast of it for an fp16-I/O model.</summary>
    private static string AsFloat(Writer w, ValueInfoProto output) =>
        output.Type.TensorType.ElemType == (int)DataType.Float16 ? w.Cast(output.Name, DataType.Float) : output.Name;

    /// <summary>Appends nodes with generated, prefixed, unique names.</summary>
    private sealed class Writer(string graphName, string prefix = Prefix)
    {
        private int _next;

        /// <summary>A number not used in this writer's names yet (for unique constant names).</summary>
        public int NextId() => _next++;

        public GraphProto Graph { get; } = new() { Name = graphName };

        public string Input(string name, DataType type, long[] shape)
        {
            Graph.Input.Add(OnnxGraphBuilder.ValueInfo(name, type, shape));
            return name;
        }

        public void Output(string tensor, string name, DataType type, long[] shape)
        {
            Add(OnnxGraphBuilder.Node("Identity", prefix + name, [tensor], [name]));
            Graph.Output.Add(OnnxGraphBuilder.ValueInfo(name, type, shape));
        }

        public void Add(NodeProto node) => Graph.Node.Add(node);

        public string Op(string opType, string[] inputs, Action<Google.Protobuf.Collections.RepeatedField<AttributeProto>>? attributes = null) =>
            Ops(opType, inputs, 1, attributes)[0];

        public string[] Ops(string opType, string[] inputs, int outputs, Action<Google.Protobuf.Collections.RepeatedField<AttributeProto>>? attributes = null)
        {
            string name = $"{prefix}{opType.ToLowerInvariant()}_{_next++}";
            string[] names = Enumerable.Range(0, outputs).Select(i => outputs == 1 ? name : $"{name}:{i}").ToArray();
            NodeProto node = OnnxGraphBuilder.Node(opType, name, inputs, names);
            attributes?.Invoke(node.Attribute);
            Add(node);
            return names;
        }

        public string Cast(string input, DataType to, string? output = null)
        {
            string name = output ?? $"{prefix}cast_{_next++}";
            NodeProto node = OnnxGraphBuilder.Node("Cast", output is null ? name : prefix + "cast_to_" + output, [input], [name]);
            node.Attribute.Add(OnnxGraphBuilder.Int("to", (int)to));
            Add(node);
            return name;
        }

        public string Floats(string name, long[] dims, float[] values)
        {
            TensorProto tensor = OnnxGraphBuilder.FloatTensor(prefix + name, dims, values);
            Graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        public string Bools(string name, long[] dims, bool[] values)
        {
            var tensor = new TensorProto { Name = prefix + name, DataType = (int)DataType.Bool };
            tensor.Dims.Add(dims);
            tensor.Int32Data.Add(values.Select(v => v ? 1 : 0));
            Graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        public string Int64s(string name, long[] dims, long[] values)
        {
            var tensor = new TensorProto { Name = prefix + name, DataType = (int)DataType.Int64 };
            tensor.Dims.Add(dims);
            tensor.Int64Data.Add(values);
            Graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        public ModelProto Build(long opset, long irVersion, string docString)
        {
            var model = new ModelProto
            {
                IrVersion = irVersion,
                ProducerName = "EdgeBench",
                ProducerVersion = FusedSsdModels.BuilderVersion,
                DocString = docString,
                Graph = Graph,
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
            return model;
        }
    }
}
