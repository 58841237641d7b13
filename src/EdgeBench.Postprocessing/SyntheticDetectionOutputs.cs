using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// Seeded, deterministic model outputs with a realistic number of candidates, for benchmarks and tests.
/// </summary>
/// <remarks>
/// Why: random weights give a near-uniform softmax (1/81 ≈ 0.012 &lt; 0.05), so almost nothing passes the threshold and
/// NMS looks free. A trained SSD300 on a busy street scene yields a few hundred (box, class) pairs above 0.05,
/// clustered on the objects. Recipe (per image):
/// <list type="number">
/// <item>Background: every box gets a confident background logit U(4, 8), class logits U(−2, 0) and small locs U(−1, 1).
/// Then every foreground probability is ≤ e⁰/e⁴ ≈ 0.018, below the threshold.</item>
/// <item>Objects: K ground-truth boxes (centre U(0.1, 0.9), size U(0.05, 0.4)), classes drawn from the first
/// <see cref="ClassPoolSize"/> classes so that same-class objects sometimes overlap.</item>
/// <item>Each object ranks the default boxes by IoU with itself; objects take turns claiming their next best unclaimed
/// box until the target count is reached. A claimed box gets class logit U(3, 7), background U(0, 2), and with
/// probability 0.15 a second "confused" class one logit lower (both stay above 0.05 by construction: worst case
/// e²/(e³ + e² + e² + 78) ≈ 0.064). Its locs encode the object's box against that default box plus Gaussian jitter
/// (σ = 1.5 on dx/dy, 1.0 on dw/dh in encoded units), so the decoded boxes cluster around the object with a spread of
/// overlaps and NMS has real work to do.</item>
/// </list>
/// The candidate count is therefore exact by construction (target, or target + 1 when the last claim added a confused
/// pair); <see cref="CountSsdCandidates"/> measures it independently with a scalar softmax. YOLO heads follow the same
/// recipe over (head, anchor, cell) slots ranked by IoU of the anchor prior with the object: background objectness
/// U(−9, −6) and classes U(−9, −4) (confidence ≤ 0.0025); claimed slots get objectness U(1, 4), class U(1.5, 5)
/// (confidence ≥ 0.6) and offsets that put the decoded box on the object plus jitter.
/// </remarks>
public static class SyntheticDetectionOutputs
{
    /// <summary>Object classes are drawn from classes 1..ClassPoolSize so that same-class neighbours occur.</summary>
    public const int ClassPoolSize = 8;

    private const float ConfusionProbability = 0.15f;

    /// <summary>
    /// Fills SSD outputs (<paramref name="locs"/> N×4×B, <paramref name="scores"/> N×C×B) so that each image has about
    /// <paramref name="candidatesPerImage"/> (box, class) pairs above the SSD score threshold around
    /// <paramref name="objectCount"/> objects.
    /// </summary>
    public static void FillSsd(Span<float> locs, Span<float> scores, int batchSize, int candidatesPerImage, int objectCount, int seed, DecodeOptions? options = null, SsdDefaultBoxes? defaultBoxes = null)
    {
        DecodeOptions o = options ?? DecodeOptions.Default;
        SsdDefaultBoxes boxes = defaultBoxes ?? SsdDefaultBoxes.Coco300;
        int b = boxes.Count;
        int classes = o.SsdClassCount;
        if (locs.Length != batchSize * 4 * b || scores.Length != batchSize * classes * b)
        {
            throw new ArgumentException("locs must be N×4×B and scores N×C×B.", nameof(scores));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(objectCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(candidatesPerImage, b);
        var random = new Random(seed);
        var defaults = new BoundingBox[b];
        for (int i = 0; i < b; i++)
        {
            defaults[i] = new BoundingBox(boxes.Left[i], boxes.Top[i], boxes.Right[i], boxes.Bottom[i]);
        }

        for (int n = 0; n < batchSize; n++)
        {
            Span<float> loc = locs.Slice(n * 4 * b, 4 * b);
            Span<float> score = scores.Slice(n * classes * b, classes * b);
            for (int i = 0; i < loc.Length; i++)
            {
                loc[i] = Uniform(random, -1f, 1f);
            }

            for (int i = 0; i < b; i++)
            {
                score[i] = Uniform(random, 4f, 8f);
            }

            for (int i = b; i < score.Length; i++)
            {
                score[i] = Uniform(random, -2f, 0f);
            }

            (BoundingBox Box, int Class)[] objects = MakeObjects(random, objectCount, 1, Math.Min(ClassPoolSize, classes - 1));
            int[][] ranked = RankByIoU(objects, defaults);
            var claimed = new bool[b];
            var next = new int[objects.Length];
            int pairs = 0;
            while (pairs < candidatesPerImage)
            {
                bool progress = false;
                for (int k = 0; k < objects.Length && pairs < candidatesPerImage; k++)
                {
                    int box = NextUnclaimed(ranked[k], ref next[k], claimed);
                    if (box < 0)
                    {
                        continue;
                    }

                    progress = true;
                    claimed[box] = true;
                    int cls = objects[k].Class;
                    float u = Uniform(random, 3f, 7f);
                    score[box] = Uniform(random, 0f, 2f);
                    score[(cls * b) + box] = u;
                    pairs++;
                    if (random.NextSingle() < ConfusionProbability && pairs < candidatesPerImage)
                    {
                        int other = 1 + ((cls + random.Next(1, classes - 2)) % (classes - 1));
                        score[(other * b) + box] = u - Uniform(random, 0.5f, 1f);
                        pairs++;
                    }

                    EncodeSsd(objects[k].Box, boxes, box, loc, o, random);
                }

                if (!progress)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Counts (box, class ≥ 1) pairs whose softmax probability exceeds the SSD score threshold, over the batch.</summary>
    public static int CountSsdCandidates(ReadOnlySpan<float> scores, int batchSize, DecodeOptions? options = null, SsdDefaultBoxes? defaultBoxes = null)
    {
        DecodeOptions o = options ?? DecodeOptions.Default;
        int b = (defaultBoxes ?? SsdDefaultBoxes.Coco300).Count;
        int classes = o.SsdClassCount;
        int count = 0;
        for (int n = 0; n < batchSize; n++)
        {
            ReadOnlySpan<float> score = scores.Slice(n * classes * b, classes * b);
            for (int i = 0; i < b; i++)
            {
                float max = float.NegativeInfinity;
                for (int c = 0; c < classes; c++)
                {
                    max = MathF.Max(max, score[(c * b) + i]);
                }

                float sum = 0f;
                for (int c = 0; c < classes; c++)
                {
                    sum += MathF.Exp(score[(c * b) + i] - max);
                }

                for (int c = 1; c < classes; c++)
                {
                    if (MathF.Exp(score[(c * b) + i] - max) / sum > o.SsdScoreThreshold)
                    {
                        count++;
                    }
                }
            }
        }

        return count;
    }

    /// <summary>
    /// Fills YOLOv3-tiny heads (N×255×13×13 and N×255×26×26 at 416) so each image has about
    /// <paramref name="candidatesPerImage"/> (box, class) pairs above the YOLO confidence threshold.
    /// </summary>
    public static void FillYoloV3Tiny(Span<float> coarse, Span<float> fine, int batchSize, int candidatesPerImage, int objectCount, int seed, DecodeOptions? options = null)
    {
        var layout = new YoloV3TinyLayout(options ?? DecodeOptions.Default);
        if (coarse.Length != batchSize * layout.HeadLength(0) || fine.Length != batchSize * layout.HeadLength(1))
        {
            throw new ArgumentException("Heads must be N×(A·(5+C))×G×G.", nameof(fine));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(objectCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(candidatesPerImage, layout.TotalBoxes);
        var random = new Random(seed);
        int classes = layout.ClassCount;

        // Prior box of every slot: the cell centre with the anchor's size; objects rank slots by IoU with it.
        var priors = new BoundingBox[layout.TotalBoxes];
        for (int head = 0; head < 2; head++)
        {
            int g = layout.Grid[head];
            for (int a = 0; a < layout.AnchorsPerHead; a++)
            {
                float w = layout.AnchorW[(head * layout.AnchorsPerHead) + a] / layout.InputSize;
                float h = layout.AnchorH[(head * layout.AnchorsPerHead) + a] / layout.InputSize;
                for (int cell = 0; cell < g * g; cell++)
                {
                    float x = ((cell % g) + 0.5f) / g;
                    float y = ((cell / g) + 0.5f) / g;
                    priors[layout.BoxOffset[head] + (a * g * g) + cell] = new BoundingBox(x - (0.5f * w), y - (0.5f * h), x + (0.5f * w), y + (0.5f * h));
                }
            }
        }

        for (int n = 0; n < batchSize; n++)
        {
            Span<float> c0 = coarse.Slice(n * layout.HeadLength(0), layout.HeadLength(0));
            Span<float> c1 = fine.Slice(n * layout.HeadLength(1), layout.HeadLength(1));
            FillYoloBackground(c0, layout, 0, random);
            FillYoloBackground(c1, layout, 1, random);

            (BoundingBox Box, int Class)[] objects = MakeObjects(random, objectCount, 0, Math.Min(ClassPoolSize, classes));
            int[][] ranked = RankByIoU(objects, priors);
            var claimed = new bool[layout.TotalBoxes];
            var next = new int[objects.Length];
            int pairs = 0;
            bool progress = true;
            while (pairs < candidatesPerImage && progress)
            {
                progress = false;
                for (int k = 0; k < objects.Length && pairs < candidatesPerImage; k++)
                {
                    int slot = NextUnclaimed(ranked[k], ref next[k], claimed);
                    if (slot < 0)
                    {
                        continue;
                    }

                    progress = true;
                    claimed[slot] = true;
                    int head = slot < layout.BoxOffset[1] ? 0 : 1;
                    Span<float> data = head == 0 ? c0 : c1;
                    int g = layout.Grid[head];
                    int plane = g * g;
                    int local = slot - layout.BoxOffset[head];
                    int a = local / plane;
                    int cell = local % plane;
                    int anchorBase = (a * layout.Channels * plane) + cell;
                    BoundingBox target = objects[k].Box;
                    float fx = Math.Clamp((((target.Left + target.Right) * 0.5f) * g) - (cell % g), 0.02f, 0.98f);
                    float fy = Math.Clamp((((target.Top + target.Bottom) * 0.5f) * g) - (cell / g), 0.02f, 0.98f);
                    data[anchorBase] = MathF.Log(fx / (1f - fx)) + (0.3f * Gaussian(random));
                    data[anchorBase + plane] = MathF.Log(fy / (1f - fy)) + (0.3f * Gaussian(random));
                    data[anchorBase + (2 * plane)] = MathF.Log((target.Right - target.Left) * layout.InputSize / layout.AnchorW[(head * layout.AnchorsPerHead) + a]) + (0.2f * Gaussian(random));
                    data[anchorBase + (3 * plane)] = MathF.Log((target.Bottom - target.Top) * layout.InputSize / layout.AnchorH[(head * layout.AnchorsPerHead) + a]) + (0.2f * Gaussian(random));
                    data[anchorBase + (4 * plane)] = Uniform(random, 1f, 4f);
                    data[anchorBase + ((5 + objects[k].Class) * plane)] = Uniform(random, 1.5f, 5f);
                    pairs++;
                    if (random.NextSingle() < ConfusionProbability && pairs < candidatesPerImage)
                    {
                        int other = (objects[k].Class + random.Next(1, classes - 1)) % classes;
                        data[anchorBase + ((5 + other) * plane)] = Uniform(random, 1f, 3f);
                        pairs++;
                    }
                }
            }
        }
    }

    /// <summary>Counts (box, class) pairs with σ(obj) &gt; t and σ(obj)·σ(class) &gt; t, over the batch.</summary>
    public static int CountYoloV3TinyCandidates(ReadOnlySpan<float> coarse, ReadOnlySpan<float> fine, int batchSize, DecodeOptions? options = null)
    {
        DecodeOptions o = options ?? DecodeOptions.Default;
        var layout = new YoloV3TinyLayout(o);
        int count = 0;
        for (int n = 0; n < batchSize; n++)
        {
            for (int head = 0; head < 2; head++)
            {
                int length = layout.HeadLength(head);
                ReadOnlySpan<float> data = (head == 0 ? coarse : fine).Slice(n * length, length);
                int plane = layout.Grid[head] * layout.Grid[head];
                for (int a = 0; a < layout.AnchorsPerHead; a++)
                {
                    int anchorBase = a * layout.Channels * plane;
                    for (int cell = 0; cell < plane; cell++)
                    {
                        float objectness = BoxMath.Sigmoid(data[anchorBase + (4 * plane) + cell]);
                        if (objectness <= o.YoloConfidenceThreshold)
                        {
                            continue;
                        }

                        for (int c = 0; c < layout.ClassCount; c++)
                        {
                            if (objectness * BoxMath.Sigmoid(data[anchorBase + ((5 + c) * plane) + cell]) > o.YoloConfidenceThreshold)
                            {
                                count++;
                            }
                        }
                    }
                }
            }
        }

        return count;
    }

    /// <summary>
    /// Fills a YOLOv8 output of <paramref name="outputShape"/> ([N,4+C,A] or [N,A,4+C], resolved as
    /// <see cref="YoloV8Postprocessor"/> does) so that each image has exactly <paramref name="candidatesPerImage"/> boxes (at most all A)
    /// above the default score threshold (0.25), clustered on <paramref name="objectCount"/> objects.
    /// </summary>
    /// <remarks>
    /// Anchor-free boxes are explicit (cx, cy, w, h), so which anchor carries a candidate does not change the decode:
    /// distinct anchors are drawn at random and assigned to the objects in turn. Background boxes get random geometry
    /// and class scores U(0, 0.2); a candidate gets its object's box in input pixels with jitter (σ = 8% of the size on
    /// the centre, 10% on the size), its object's class U(0.3, 0.95) and, with probability 0.15, a second class just
    /// below it (single-label decoding keeps one candidate per box either way).
    /// </remarks>
    public static void FillYoloV8(Span<float> output, IReadOnlyList<long> outputShape, int inputWidth, int inputHeight, int batchSize, int candidatesPerImage, int objectCount, int seed, int? classCount = null)
        => FillUltralytics(output, UltralyticsLayout.YoloV8(outputShape, inputWidth, inputHeight, classCount), batchSize, candidatesPerImage, objectCount, seed);

    /// <summary>
    /// Fills a YOLOv5 output [N,A,5+C] as <see cref="FillYoloV8"/>, with objectness: background U(0, 0.2), candidates
    /// objectness U(0.75, 1) and class U(0.5, 0.95), so objectness · class ≥ 0.375 passes the default threshold.
    /// </summary>
    public static void FillYoloV5(Span<float> output, IReadOnlyList<long> outputShape, int inputWidth, int inputHeight, int batchSize, int candidatesPerImage, int objectCount, int seed, int? classCount = null)
        => FillUltralytics(output, UltralyticsLayout.YoloV5(outputShape, inputWidth, inputHeight, classCount), batchSize, candidatesPerImage, objectCount, seed);

    private static void FillUltralytics(Span<float> output, UltralyticsLayout layout, int batchSize, int candidatesPerImage, int objectCount, int seed)
    {
        if (output.Length != batchSize * layout.ImageLength)
        {
            throw new ArgumentException($"output must hold {batchSize} images of {layout.ImageLength} values.", nameof(output));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(objectCount);
        ArgumentOutOfRangeException.ThrowIfNegative(candidatesPerImage);

        // A small user model may have fewer boxes than the target: then every box is a candidate.
        candidatesPerImage = Math.Min(candidatesPerImage, layout.Anchors);
        var random = new Random(seed);
        int a = layout.Anchors;
        int classes = layout.ClassCount;
        for (int n = 0; n < batchSize; n++)
        {
            Span<float> image = output.Slice(n * layout.ImageLength, layout.ImageLength);
            int channelStride = layout.ChannelMajor ? a : 1;
            int anchorStride = layout.ChannelMajor ? 1 : layout.Channels;
            int At(int anchor, int channel) => (anchor * anchorStride) + (channel * channelStride);

            for (int anchor = 0; anchor < a; anchor++)
            {
                image[At(anchor, 0)] = Uniform(random, 0f, layout.InputWidth);
                image[At(anchor, 1)] = Uniform(random, 0f, layout.InputHeight);
                image[At(anchor, 2)] = Uniform(random, 4f, 0.5f * layout.InputWidth);
                image[At(anchor, 3)] = Uniform(random, 4f, 0.5f * layout.InputHeight);
                for (int channel = 4; channel < layout.Channels; channel++)
                {
                    image[At(anchor, channel)] = Uniform(random, 0f, 0.2f);
                }
            }

            (BoundingBox Box, int Class)[] objects = MakeObjects(random, objectCount, 0, Math.Min(ClassPoolSize, classes));

            // A partial Fisher-Yates shuffle picks the candidate anchors: distinct, seeded, spread over the levels.
            int[] order = new int[a];
            for (int i = 0; i < a; i++)
            {
                order[i] = i;
            }

            for (int k = 0; k < candidatesPerImage; k++)
            {
                int j = random.Next(k, a);
                (order[k], order[j]) = (order[j], order[k]);
                int anchor = order[k];
                (BoundingBox box, int cls) = objects[k % objects.Length];
                float w = (box.Right - box.Left) * layout.InputWidth;
                float h = (box.Bottom - box.Top) * layout.InputHeight;
                image[At(anchor, 0)] = (((box.Left + box.Right) * 0.5f) * layout.InputWidth) + (0.08f * w * Gaussian(random));
                image[At(anchor, 1)] = (((box.Top + box.Bottom) * 0.5f) * layout.InputHeight) + (0.08f * h * Gaussian(random));
                image[At(anchor, 2)] = w * MathF.Exp(0.1f * Gaussian(random));
                image[At(anchor, 3)] = h * MathF.Exp(0.1f * Gaussian(random));
                float score;
                if (layout.HasObjectness)
                {
                    image[At(anchor, 4)] = Uniform(random, 0.75f, 1f);
                    score = Uniform(random, 0.5f, 0.95f);
                }
                else
                {
                    score = Uniform(random, 0.3f, 0.95f);
                }

                image[At(anchor, layout.ClassOffset + cls)] = score;
                if (classes > 1 && random.NextSingle() < ConfusionProbability)
                {
                    int other = (cls + random.Next(1, classes)) % classes;
                    image[At(anchor, layout.ClassOffset + other)] = score * 0.9f;
                }
            }
        }
    }

    /// <summary>Fills N×K classifier logits: N(0, 1) noise with a few peaked classes per image, so top-5 is non-trivial.</summary>
    public static void FillClassification(Span<float> logits, int batchSize, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var random = new Random(seed);
        int classes = logits.Length / batchSize;
        for (int n = 0; n < batchSize; n++)
        {
            Span<float> row = logits.Slice(n * classes, classes);
            for (int i = 0; i < classes; i++)
            {
                row[i] = Gaussian(random);
            }

            for (int k = 0; k < 3; k++)
            {
                row[random.Next(classes)] = Uniform(random, 4f, 10f);
            }
        }
    }

    private static void FillYoloBackground(Span<float> data, YoloV3TinyLayout layout, int head, Random random)
    {
        int plane = layout.Grid[head] * layout.Grid[head];
        for (int a = 0; a < layout.AnchorsPerHead; a++)
        {
            int anchorBase = a * layout.Channels * plane;
            for (int i = 0; i < 4 * plane; i++)
            {
                data[anchorBase + i] = Uniform(random, -1f, 1f);
            }

            for (int i = 0; i < plane; i++)
            {
                data[anchorBase + (4 * plane) + i] = Uniform(random, -9f, -6f);
            }

            for (int i = 5 * plane; i < layout.Channels * plane; i++)
            {
                data[anchorBase + i] = Uniform(random, -9f, -4f);
            }
        }
    }

    private static (BoundingBox Box, int Class)[] MakeObjects(Random random, int count, int firstClass, int poolSize)
    {
        var objects = new (BoundingBox Box, int Class)[count];
        for (int k = 0; k < count; k++)
        {
            float cx = Uniform(random, 0.1f, 0.9f);
            float cy = Uniform(random, 0.1f, 0.9f);
            float w = Uniform(random, 0.05f, 0.4f);
            float h = Uniform(random, 0.05f, 0.4f);
            var box = new BoundingBox(
                MathF.Max(0f, cx - (0.5f * w)), MathF.Max(0f, cy - (0.5f * h)), MathF.Min(1f, cx + (0.5f * w)), MathF.Min(1f, cy + (0.5f * h)));
            objects[k] = (box, firstClass + random.Next(poolSize));
        }

        return objects;
    }

    private static int[][] RankByIoU((BoundingBox Box, int Class)[] objects, BoundingBox[] priors)
    {
        var ranked = new int[objects.Length][];
        var iou = new float[priors.Length];
        for (int k = 0; k < objects.Length; k++)
        {
            var order = new int[priors.Length];
            for (int i = 0; i < priors.Length; i++)
            {
                order[i] = i;
                iou[i] = -objects[k].Box.IoU(priors[i]);
            }

            // Negated keys: ascending sort = best IoU first; ties resolved by the stable index order below.
            Array.Sort((float[])iou.Clone(), order);
            ranked[k] = order;
        }

        return ranked;
    }

    private static int NextUnclaimed(int[] ranked, ref int next, bool[] claimed)
    {
        while (next < ranked.Length && claimed[ranked[next]])
        {
            next++;
        }

        return next < ranked.Length ? ranked[next++] : -1;
    }

    private static void EncodeSsd(BoundingBox target, SsdDefaultBoxes boxes, int box, Span<float> loc, DecodeOptions o, Random random)
    {
        int b = boxes.Count;
        float gx = (target.Left + target.Right) * 0.5f;
        float gy = (target.Top + target.Bottom) * 0.5f;
        float gw = target.Right - target.Left;
        float gh = target.Bottom - target.Top;

        // Inverse of the decode (Encoder.encode's xywh form divided by the variances), plus jitter.
        loc[box] = ((gx - boxes.CenterX[box]) / (o.SsdScaleXy * boxes.Width[box])) + (1.5f * Gaussian(random));
        loc[b + box] = ((gy - boxes.CenterY[box]) / (o.SsdScaleXy * boxes.Height[box])) + (1.5f * Gaussian(random));
        loc[(2 * b) + box] = (MathF.Log(gw / boxes.Width[box]) / o.SsdScaleWh) + Gaussian(random);
        loc[(3 * b) + box] = (MathF.Log(gh / boxes.Height[box]) / o.SsdScaleWh) + Gaussian(random);
    }

    private static float Uniform(Random random, float min, float max) => min + ((max - min) * random.NextSingle());

    private static float Gaussian(Random random)
    {
        // Box–Muller; 1 − U keeps the log argument in (0, 1].
        float u1 = 1f - random.NextSingle();
        float u2 = random.NextSingle();
        return MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(2f * MathF.PI * u2);
    }
}
