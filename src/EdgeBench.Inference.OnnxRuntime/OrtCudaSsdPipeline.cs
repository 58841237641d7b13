using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;
using EdgeBench.Postprocessing;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The whole SSD300 camera loop on one CUDA stream (<see cref="OrtCudaPipeline"/>): frames upload, EdgeBench's own
/// preprocess kernel, the unchanged SSD300 model in ONNX Runtime's CUDA provider (optionally replayed as a CUDA graph),
/// EdgeBench's decode + top-k + NMS kernels (<see cref="CudaPipelineKernels"/>), one download of the fixed-size results.
/// The alternative to the fused ONNX graph (<see cref="OrtFusedSsdRunner"/>) for putting pre- and postprocessing on the
/// GPU: hand-written kernels where the graph needs ~117 generic ONNX ops (TopK over 16,000 values in one thread block,
/// 1,000 x 1,000 IoU matrices, twelve unrolled NMS steps).
/// </summary>
/// <remarks>
/// The arithmetic is the C# references' (PreprocessReference, SsdPostprocessor, DetectionAssembler): same tap tables,
/// same operation order, no fused multiply-adds, NVIDIA's per-class top 200 and greedy NMS with IoU &gt;= 0.5, then the
/// best 200 by score, class and NMS order. Only the exponentials differ (CUDA's expf against .NET's), so a probability
/// can differ in its last bits; <see cref="OrtCudaPipeline.DownloadModelInput"/> and <see cref="DownloadModelOutputs"/>
/// let a caller run the C# stages on the very same tensors and compare.
/// </remarks>
public sealed class OrtCudaSsdPipeline : OrtCudaDetectorPipeline
{
    private readonly DecodeOptions _decode;
    private readonly int _boxCount;
    private readonly int _classCount;
    private readonly IntPtr _deviceLocs;
    private readonly IntPtr _deviceLogits;
    private readonly IntPtr _devicePriors;

    /// <summary>
    /// Creates the session, kernels, stream and buffers for batches of <paramref name="batchSize"/> BGR24 frames of
    /// <paramref name="frameWidth"/> x <paramref name="frameHeight"/>. <paramref name="model"/> is the plain SSD300
    /// file (fp32 or fp16 I/O). Raises <see cref="ProviderUnavailableException"/> when CUDA, NVRTC or the provider is
    /// missing here. Decodes with <see cref="DecodeOptions.Default"/>, as the C# pipeline it is compared with.
    /// </summary>
    public OrtCudaSsdPipeline(ResolvedModel model, int batchSize, int frameWidth, int frameHeight, OrtBackendOptions options)
        : base(RequireSsd300(model), batchSize, frameWidth, frameHeight, options, DecodeOptions.Default.SsdClassCount, Lists(model))
    {
        _decode = DecodeOptions.Default;
        SsdDefaultBoxes priors = SsdDefaultBoxes.Coco300;
        _boxCount = priors.Count;
        _classCount = _decode.SsdClassCount;
        try
        {
            long n = batchSize;
            (OrtValue locs, _deviceLocs) = Session.Device.Allocate(ElementType, [n, 4, _boxCount]);
            (OrtValue logits, _deviceLogits) = Session.Device.Allocate(ElementType, [n, _classCount, _boxCount]);
            _devicePriors = Upload<float>([.. priors.CenterX, .. priors.CenterY, .. priors.Width, .. priors.Height]);
            ModelDescriptor descriptor = model.Descriptor;
            if (descriptor.Outputs.Count != 2 || descriptor.Outputs[1].Shape[1] != _classCount)
            {
                throw new ArgumentException($"{descriptor.Id}: expected outputs locs [N,4,B] and scores [N,{_classCount},B] (the decode options' class count).", nameof(model));
            }

            // SSD: locs, then scores, the order the C# postprocess reads them in.
            Session.Bind(descriptor.Outputs[0].Name, locs, isInput: false, ElementType);
            Session.Bind(descriptor.Outputs[1].Name, logits, isInput: false, ElementType);
            CompleteConstruction();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The decoding constants the kernels use (threshold, top-k, IoU rule, cap).</summary>
    public DecodeOptions Decode => _decode;

    /// <summary>Copies the model's raw outputs of the last run (locs [N,4,B], logits [N,C,B]; fp32 or fp16 bits) to host spans.</summary>
    public void DownloadModelOutputs(Span<byte> locs, Span<byte> logits)
    {
        int elementBytes = Half ? 2 : 4;
        Download(locs, _deviceLocs, (long)BatchSize * 4 * _boxCount * elementBytes);
        Download(logits, _deviceLogits, (long)BatchSize * _classCount * _boxCount * elementBytes);
    }

    private protected override void QueueDecode(IntPtr probs, IntPtr boxes) =>
        Kernels.Scores(_deviceLocs, _deviceLogits, _devicePriors, _boxCount, _decode.SsdScoreThreshold,
            _decode.SsdScaleXy, _decode.SsdScaleWh, probs, boxes, Half, BatchSize, Stream);

    private static ResolvedModel RequireSsd300(ResolvedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Descriptor.Postprocess != PostprocessKind.Ssd)
        {
            throw new ArgumentException($"{model.Descriptor.Id} is not an SSD detector.", nameof(model));
        }

        SsdPostprocessor.Validate(DecodeOptions.Default); // the C# stage's own checks: the kernels implement the same contract
        if (model.Descriptor.SsdAnchors is not null)
        {
            throw new NotSupportedException($"Model '{model.Descriptor.Id}': the CUDA decode kernel uses SSD300's default boxes; its sidecar describes other anchors (ssd_anchors).");
        }

        return model;
    }

    /// <summary>SSD300's lists: 8,732 default boxes, the 80 foreground classes (labels 1..80), NVIDIA's top 200 per class and cap.</summary>
    private static CandidateLists Lists(ResolvedModel model)
    {
        DecodeOptions decode = DecodeOptions.Default;
        return Checked(new CandidateLists(SsdDefaultBoxes.Coco300.Count, decode.SsdClassCount - 1, decode.SsdPerClassTopK, decode.SsdIouThreshold,
            decode.SsdOverlapRule == NmsOverlapRule.SuppressAtOrAbove, decode.SsdMaxDetections, LabelBase: 1), model.Descriptor.Id);
    }
}
