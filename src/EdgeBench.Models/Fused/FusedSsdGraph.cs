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
/// <item>Preprocess: uint8 [N,H,W,3] BGR -> Cast float -> Gather [2,1,0] on the channel axis (BGR -> RGB) ->
/// Transpose to NCHW -> Resize to the model input (mode linear, coordinate_transformation_mode half_pixel: the
/// sampling of OpenCV's INTER_LINEAR and of the C# Preprocessor, s = (d + 0.5) * in/out - 0.5 clamped at the edges;
/// opset 17 has no antialias, and the C# resize does not antialias either) -> x * scale[c] + offset[c]
/// (Normalization.Affine). Measured against the C# Preprocessor on 640x480 frames: at most 5.5e-5 apart in the
/// -1..1 range (0.7% of one 8-bit level), from ONNX Runtime computing coordinates and weights in float where the C#
/// tables use double (FusedSsdGraphTests).</item>
/// <item>The SSD graph, inlined unchanged: its nodes and initializers, fed by the preprocess output under its input
/// name; an fp16 model (fp16 I/O) gets Casts at its edges, so the decode below stays fp32.</item>
/// <item>Decode: Softmax over the classes; drop background; TopK K over [N, (C-1) x B] (K = <see cref="FusedSsdSpec.Candidates"/>);
/// decode the 8732 boxes against the default boxes (variances 0.1/0.2, NVIDIA's scale_back_batch order) and gather
/// the K candidates' boxes.</item>
/// <item>One NonMaxSuppression for all classes (torchvision's batched_nms trick): each candidate box is shifted by
/// class x (max coordinate - min coordinate + 1), so boxes of different classes never overlap; IoU 0.5, score &gt;
/// 0.05, at most <see cref="FusedSsdSpec.MaxDetections"/> kept per image (greedy NMS keeps in score order, so these
/// are the top ones).</item>
/// <item>Fixed shape: NMS's selected_indices [M,3] (dynamic M) becomes a mask over the K candidates (ScatterND of
/// the selected scores into zeros), then TopK MaxDetections of the masked scores: outputs <c>det_scores</c> [N,200],
/// <c>det_labels</c> [N,200] (class ids 1..80 as float), <c>det_boxes</c> [N,200,4] (l,t,r,b relative). A slot with
/// score &lt;= 0 is empty.</item>
/// </list>
/// <para>Every op used has a CUDA kernel registered in ONNX Runtime's CUDA execution provider
/// (onnxruntime/core/providers/cuda/cuda_execution_provider.cc): Cast, Gather, Transpose, Resize, Mul, Add, Sub,
/// Softmax, Slice, Reshape, TopK, Div, Mod, Exp, Concat, Unsqueeze, Expand, GatherElements, GatherND, ReduceMax,
/// ReduceMin, NonMaxSuppression, ConstantOfShape, ScatterND, Shape, Identity. ONNX Runtime itself may place the tiny
/// shape computations (Shape -> Slice -> Concat feeding Resize's sizes) on the CPU, as it does for shape subgraphs.</para>
/// <para>Differences from the C# postprocess (SsdPostprocessor), by design: candidates are pre-selected globally
/// (top K over all classes) instead of the top 200 per class; NMS suppresses at IoU &gt; 0.5 (ONNX) where NVIDIA's
/// reference suppresses at &gt;= 0.5; the class offset adds rounding of about 1e-5 to coordinates before the IoU test.</para>
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
        string x = w.Cast(frames, DataType.Float);                                               // [N,H,W,3] float
        x = w.Op("Gather", [x, w.Int64s("bgr_to_rgb", [3], [2, 1, 0])], a => a.Add(OnnxGraphBuilder.Int("axis", 3))); // RGB
        x = w.Op("Transpose", [x], a => a.Add(OnnxGraphBuilder.Ints("perm", 0, 3, 1, 2)));      // [N,3,H,W]

        // sizes = [N, 3, h, w]: N from the input (dynamic batch), the rest constant. Opset 17's Resize has no axes.
        string nc = w.Op("Slice", [w.Op("Shape", [x]), w.Int64s("nc_start", [1], [0]), w.Int64s("nc_end", [1], [2])]);
        string sizes = w.Op("Concat", [nc, w.Int64s("hw", [2], [spec.InputHeight, spec.InputWidth])], a => a.Add(OnnxGraphBuilder.Int("axis", 0)));
        x = w.Op("Resize", [x, string.Empty, string.Empty, sizes], a =>
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

    /// <summary>locs [N,4,B], logits [N,C,B] (fp32) -> the three fixed-shape outputs.</summary>
    private static void Decode(Writer w, string locs, string logits, FusedSsdSpec spec)
    {
        int b = spec.Boxes;
        int k = spec.Candidates;

        // Class probabilities without background, flattened per image: [N, (C-1) x B], index = (class-1) x B + box.
        string probs = w.Op("Softmax", [logits], a => a.Add(OnnxGraphBuilder.Int("axis", 1)));  // [N,C,B]
        probs = w.Op("Slice", [probs, w.Int64s("fg_start", [1], [1]), w.Int64s("fg_end", [1], [spec.Classes]), w.Int64s("fg_axis", [1], [1])]);
        probs = w.Op("Reshape", [probs, w.Int64s("flat_shape", [2], [0, -1])]);                 // [N,(C-1)B]
        string[] top = w.Ops("TopK", [probs, w.Int64s("k", [1], [k])], 2, a =>
        {
            a.Add(OnnxGraphBuilder.Int("axis", -1));
            a.Add(OnnxGraphBuilder.Int("largest", 1));
            a.Add(OnnxGraphBuilder.Int("sorted", 1));
        });
        string topScores = top[0];                                                                // [N,K]
        string boxCount = w.Int64s("box_count", [], [b]);
        string boxIndex = w.Op("Mod", [top[1], boxCount]);                                        // [N,K] int64
        string classIndex = w.Op("Div", [top[1], boxCount]);                                      // [N,K] 0-based, no background
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
        string masked = w.Op("ScatterND", [zeros, batchAndK, selectedScores]);                  // [N,K]
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
    }

    /// <summary>A model output as fp32: itself, or a Cast of it for an fp16-I/O model.</summary>
    private static string AsFloat(Writer w, ValueInfoProto output) =>
        output.Type.TensorType.ElemType == (int)DataType.Float16 ? w.Cast(output.Name, DataType.Float) : output.Name;

    /// <summary>Appends nodes with generated, prefixed, unique names.</summary>
    private sealed class Writer(string graphName)
    {
        private int _next;

        public GraphProto Graph { get; } = new() { Name = graphName };

        public string Input(string name, DataType type, long[] shape)
        {
            Graph.Input.Add(OnnxGraphBuilder.ValueInfo(name, type, shape));
            return name;
        }

        public void Output(string tensor, string name, DataType type, long[] shape)
        {
            Add(OnnxGraphBuilder.Node("Identity", Prefix + name, [tensor], [name]));
            Graph.Output.Add(OnnxGraphBuilder.ValueInfo(name, type, shape));
        }

        public void Add(NodeProto node) => Graph.Node.Add(node);

        public string Op(string opType, string[] inputs, Action<Google.Protobuf.Collections.RepeatedField<AttributeProto>>? attributes = null) =>
            Ops(opType, inputs, 1, attributes)[0];

        public string[] Ops(string opType, string[] inputs, int outputs, Action<Google.Protobuf.Collections.RepeatedField<AttributeProto>>? attributes = null)
        {
            string name = $"{Prefix}{opType.ToLowerInvariant()}_{_next++}";
            string[] names = Enumerable.Range(0, outputs).Select(i => outputs == 1 ? name : $"{name}:{i}").ToArray();
            NodeProto node = OnnxGraphBuilder.Node(opType, name, inputs, names);
            attributes?.Invoke(node.Attribute);
            Add(node);
            return names;
        }

        public string Cast(string input, DataType to, string? output = null)
        {
            string name = output ?? $"{Prefix}cast_{_next++}";
            NodeProto node = OnnxGraphBuilder.Node("Cast", output is null ? name : Prefix + "cast_to_" + output, [input], [name]);
            node.Attribute.Add(OnnxGraphBuilder.Int("to", (int)to));
            Add(node);
            return name;
        }

        public string Floats(string name, long[] dims, float[] values)
        {
            TensorProto tensor = OnnxGraphBuilder.FloatTensor(Prefix + name, dims, values);
            Graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        public string Int64s(string name, long[] dims, long[] values)
        {
            var tensor = new TensorProto { Name = Prefix + name, DataType = (int)DataType.Int64 };
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
