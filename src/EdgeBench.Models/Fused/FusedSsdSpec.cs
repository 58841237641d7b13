using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using EdgeBench.Core.Models;

namespace EdgeBench.Models.Fused;

/// <summary>
/// What the fused SSD graph (<see cref="FusedSsdModels"/>) is built for: the camera frame size, the SSD's default
/// boxes and decoding constants, and the fixed output shape. Defaults are SSD300's (NVIDIA's evaluation settings) and
/// the K explained on <see cref="Candidates"/>.
/// </summary>
/// <remarks>
/// The default boxes come from the caller (EdgeBench.Postprocessing's <c>SsdDefaultBoxes.Coco300</c>), so the graph
/// decodes against exactly the boxes the C# postprocess uses and this project needs no reference to it.
/// </remarks>
public sealed record FusedSsdSpec
{
    /// <summary>Camera frame width (the graph's input is uint8 [N, FrameHeight, FrameWidth, 3] BGR).</summary>
    public required int FrameWidth { get; init; }

    /// <summary>Camera frame height.</summary>
    public required int FrameHeight { get; init; }

    /// <summary>Default box centres x (relative, one per box: 8732 for SSD300).</summary>
    public required float[] PriorCenterX { get; init; }

    /// <summary>Default box centres y.</summary>
    public required float[] PriorCenterY { get; init; }

    /// <summary>Default box widths.</summary>
    public required float[] PriorWidth { get; init; }

    /// <summary>Default box heights.</summary>
    public required float[] PriorHeight { get; init; }

    /// <summary>Model input width (SSD300: 300).</summary>
    public int InputWidth { get; init; } = 300;

    /// <summary>Model input height (SSD300: 300).</summary>
    public int InputHeight { get; init; } = 300;

    /// <summary>The model's input normalization (SSD300: x / 127.5 - 1).</summary>
    public Normalization Normalization { get; init; } = Normalization.MinusOneToOne;

    /// <summary>Score channels including background (COCO: 81; channel 0 is background).</summary>
    public int Classes { get; init; } = 81;

    /// <summary>
    /// K: the (class, box) candidates pre-selected by score per image before NMS: the best K of the
    /// <see cref="CandidatesPerClass"/> best of each class. 1000: five times the 200 detections kept, and above the
    /// ~680 candidates per frame the generated SSD300 gives on the benchmark's frames; a trained SSD300 on a busy
    /// street frame gives a few hundred. Candidates beyond K (the lowest scores) are dropped where the C# postprocess
    /// would still consider them.
    /// </summary>
    public int Candidates { get; init; } = 1000;

    /// <summary>
    /// The best this many (class, box) pairs of each class go on to the K-candidate selection (NVIDIA's and the C#
    /// postprocess's per-class <c>max_num</c>: 200; capped at the box count). Two TopKs instead of one over all
    /// (Classes-1) x boxes pairs: ONNX Runtime's CUDA TopK gives each row one thread block, so one row of 698,560
    /// pairs per image runs on a single multiprocessor for milliseconds where 80 rows of 8732 run side by side
    /// (docs/ssd-ladder.md has the profile).
    /// </summary>
    public int CandidatesPerClass { get; init; } = 200;

    /// <summary>Detections per image in the fixed-shape outputs (NVIDIA's <c>max_output</c>: 200).</summary>
    public int MaxDetections { get; init; } = 200;

    /// <summary>NMS IoU threshold (0.5).</summary>
    public float IouThreshold { get; init; } = 0.5f;

    /// <summary>A (class, box) pair is a candidate when its softmax probability is strictly above this (0.05).</summary>
    public float ScoreThreshold { get; init; } = 0.05f;

    /// <summary>How the graph runs NMS: <see cref="FusedNms.Matrix"/> (default) or ONNX's operator.</summary>
    public FusedNms Nms { get; init; } = FusedNms.Matrix;

    /// <summary>
    /// Matrix NMS only: 0 iterates in a Loop until the fixed point (exact; the Loop's condition is read on the host
    /// each iteration); N &gt;= 2 unrolls N steps (no Loop, so the graph can be captured as one CUDA graph) and reports
    /// per image whether step N changed anything (<c>nms_converged</c>); the runner reruns such images with the exact
    /// form. <see cref="DefaultNmsSteps"/> explains the ladder's choice.
    /// </summary>
    public int NmsSteps { get; init; }

    /// <summary>
    /// The unrolled step count the ladder uses (see <see cref="NmsSteps"/>). On the benchmark's frames (synthetic
    /// video frames 0-15 through the calibrated generated SSD300: ~680 candidates, 200 detections per frame) the
    /// unrolled form reported convergence after 7 to 11 steps (FusedSsdGraphTests prints the count). Every step is
    /// three small kernels (a batched MatMul, a sum and a Relu; their measured cost is in docs/ssd-ladder.md), so the
    /// count is not padded much: 12 is one more than those frames need; a frame that needs more costs a
    /// rerun with the exact form (counted, in the run's log), and its detections are still greedy NMS's.
    /// </summary>
    public const int DefaultNmsSteps = 12;

    /// <summary>Centre variance (0.1).</summary>
    public float ScaleXy { get; init; } = 0.1f;

    /// <summary>Size variance (0.2).</summary>
    public float ScaleWh { get; init; } = 0.2f;

    /// <summary>Number of default boxes.</summary>
    public int Boxes => PriorCenterX.Length;

    /// <summary>Pairs kept per class in the first selection: <see cref="CandidatesPerClass"/>, at most the box count.</summary>
    public int PerClass => Math.Min(CandidatesPerClass, Boxes);

    /// <summary>Every value the graph depends on, as text: part of the cache key (the priors as a hash).</summary>
    public string Key
    {
        get
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (float[] values in (float[][])[PriorCenterX, PriorCenterY, PriorWidth, PriorHeight])
            {
                hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
            }

            // Normalization's own ToString formats with the current culture; the key must not depend on it.
            string normalization = string.Join('/', Normalization.Mean.Concat(Normalization.Std).Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            return string.Create(CultureInfo.InvariantCulture,
                $"frame:{FrameWidth}x{FrameHeight};input:{InputWidth}x{InputHeight};norm:{normalization};classes:{Classes};K:{Candidates}/{CandidatesPerClass};" +
                $"max:{MaxDetections};nms:{Nms}/{NmsSteps};iou:{IouThreshold:R};score:{ScoreThreshold:R};var:{ScaleXy:R}/{ScaleWh:R};priors:{Convert.ToHexStringLower(hash.GetHashAndReset())}");
        }
    }

    /// <summary>Checks the values can make a graph; throws <see cref="ArgumentException"/> naming the first that cannot.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Nms))
        {
            throw new ArgumentException($"NMS form {(int)Nms} is not one of: {string.Join(", ", Enum.GetNames<FusedNms>())}.");
        }

        if (NmsSteps is < 0 or 1 || (NmsSteps > 0 && Nms != FusedNms.Matrix))
        {
            throw new ArgumentException($"NMS steps {NmsSteps}: 0 (loop to the fixed point) or at least 2 steps unrolled, with matrix NMS only.");
        }

        if (FrameWidth < 2 || FrameHeight < 2 || InputWidth < 1 || InputHeight < 1)
        {
            throw new ArgumentException($"Frame {FrameWidth}x{FrameHeight} / input {InputWidth}x{InputHeight}: sizes must be positive (frames at least 2x2).");
        }

        if (Boxes == 0 || PriorCenterY.Length != Boxes || PriorWidth.Length != Boxes || PriorHeight.Length != Boxes)
        {
            throw new ArgumentException("The four default-box arrays must be non-empty and of one length.");
        }

        if (Classes < 2 || Candidates < 1 || MaxDetections < 1 || MaxDetections > Candidates || CandidatesPerClass < 1 || Candidates > (long)(Classes - 1) * PerClass)
        {
            throw new ArgumentException(
                $"Need 2 <= classes ({Classes}), 1 <= max detections ({MaxDetections}) <= candidates ({Candidates}) <= (classes - 1) x min(candidates per class ({CandidatesPerClass}), boxes ({Boxes})).");
        }
    }
}

/// <summary>The NMS form of the fused SSD graph; both compute greedy per-class NMS and give the same detections.</summary>
public enum FusedNms
{
    /// <summary>
    /// Fixed-shape exact greedy NMS from an IoU matrix over the K candidates, iterated to its fixed point: in a Loop,
    /// or unrolled with a convergence output (<see cref="FusedSsdSpec.NmsSteps"/>; FusedSsdGraph.MatrixNms explains
    /// it). No data-dependent shapes, so no mid-graph wait on an accelerator.
    /// </summary>
    Matrix,

    /// <summary>ONNX's NonMaxSuppression operator (data-dependent output size), as the study's level 2 described it.</summary>
    Operator,
}
