using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;
using EdgeBench.Postprocessing;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// YOLOv3-tiny's camera loop resident on the GPU (<see cref="OrtCudaPipeline"/>): frames upload, EdgeBench's
/// preprocess kernel, the unchanged model in ONNX Runtime's CUDA provider, EdgeBench's YOLO decode kernel (sigmoids,
/// darknet's boxes for both heads' anchors, the confidence threshold), then the class-wise NMS and merge kernels SSD300
/// uses, one download of the fixed-size results.
/// </summary>
/// <remarks>
/// <para>The arithmetic is YoloV3TinyPostprocessor's (YoloV3TinyLayout.Decode, BoxMath.Sigmoid, DetectionAssembler):
/// every class of a box whose objectness passes and whose confidence passes is a candidate, as darknet; greedy NMS per
/// class, then the best <see cref="DecodeOptions.YoloMaxDetections"/> by score, class and NMS order. Only the
/// exponentials differ (CUDA's expf against .NET's), so a confidence can differ in its last bits;
/// <see cref="OrtCudaPipeline.DownloadModelInput"/> and <see cref="DownloadModelOutputs"/> let a caller run the C#
/// stages on the very same tensors and compare.</para>
/// <para>One limit the C# stage does not have: the best <see cref="CudaPipelineKernels.MaxSelected"/> (256) candidates
/// of a class per image enter NMS (TensorRT's EfficientNMS has the same kind of cap), where the C# takes all of them.
/// The two differ only when a class has more than 256 candidates in one image (a trained YOLOv3-tiny has a few per
/// object; the benchmark's calibrated model ~140 per frame over all classes); the setup check would show it.</para>
/// </remarks>
public sealed class OrtCudaYoloPipeline : OrtCudaDetectorPipeline
{
    // SSD300's score channels: any valid count compiles the kernel library; the YOLO decode takes its class count as an argument.
    private const int KernelLibraryClasses = 81;

    private readonly DecodeOptions _decode;
    private readonly YoloV3TinyLayout _layout;
    private readonly IntPtr _deviceCoarse;
    private readonly IntPtr _deviceFine;
    private readonly IntPtr _deviceAnchorW;
    private readonly IntPtr _deviceAnchorH;

    /// <summary>
    /// Creates the session, kernels, stream and buffers for batches of <paramref name="batchSize"/> BGR24 frames of
    /// <paramref name="frameWidth"/> x <paramref name="frameHeight"/>. <paramref name="model"/> is a YOLOv3-tiny file
    /// (two heads, fp32 or fp16 I/O). Raises <see cref="ProviderUnavailableException"/> when CUDA, NVRTC or the provider
    /// is missing here. Decodes with the model's options (<see cref="DecodeOptions.For"/>), as the C# pipeline does.
    /// </summary>
    public OrtCudaYoloPipeline(ResolvedModel model, int batchSize, int frameWidth, int frameHeight, OrtBackendOptions options)
        : base(RequireYoloV3Tiny(model), batchSize, frameWidth, frameHeight, options, KernelLibraryClasses, Lists(model))
    {
        _decode = DecodeOptions.For(model.Descriptor);
        _layout = new YoloV3TinyLayout(_decode);
        try
        {
            ModelDescriptor descriptor = model.Descriptor;
            int[] grid = _layout.Grid;
            long n = batchSize, channels = _layout.Channels * _layout.AnchorsPerHead;
            (OrtValue coarse, _deviceCoarse) = Session.Device.Allocate(ElementType, [n, channels, grid[0], grid[0]]);
            (OrtValue fine, _deviceFine) = Session.Device.Allocate(ElementType, [n, channels, grid[1], grid[1]]);
            _deviceAnchorW = Upload(_layout.AnchorW);
            _deviceAnchorH = Upload(_layout.AnchorH);
            // Coarse (stride 32) head first, fine second: the order YoloV3TinyPostprocessor.Process takes them in.
            Session.Bind(descriptor.Outputs[0].Name, coarse, isInput: false, ElementType);
            Session.Bind(descriptor.Outputs[1].Name, fine, isInput: false, ElementType);
            CompleteConstruction();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The decoding constants the kernels use (threshold, anchors, IoU rule, cap).</summary>
    public DecodeOptions Decode => _decode;

    /// <summary>Elements per image of the coarse and the fine head.</summary>
    public (int Coarse, int Fine) HeadElements => (_layout.HeadLength(0), _layout.HeadLength(1));

    /// <summary>Copies the model's raw outputs of the last run (coarse and fine head; fp32 or fp16 bits) to host spans.</summary>
    public void DownloadModelOutputs(Span<byte> coarse, Span<byte> fine)
    {
        int elementBytes = Half ? 2 : 4;
        (int coarseElements, int fineElements) = HeadElements;
        Download(coarse, _deviceCoarse, (long)BatchSize * coarseElements * elementBytes);
        Download(fine, _deviceFine, (long)BatchSize * fineElements * elementBytes);
    }

    private protected override void QueueDecode(IntPtr probs, IntPtr boxes) =>
        Kernels.YoloDecode(_deviceCoarse, _deviceFine, _layout.Grid[0], _layout.Grid[1], _layout.AnchorsPerHead, _layout.ClassCount,
            _deviceAnchorW, _deviceAnchorH, _decode.YoloInputSize, _decode.YoloConfidenceThreshold, probs, boxes, Half, BatchSize, Stream);

    private static ResolvedModel RequireYoloV3Tiny(ResolvedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelDescriptor descriptor = model.Descriptor;
        if (descriptor.Postprocess != PostprocessKind.YoloV3Tiny || descriptor.Outputs.Count != 2)
        {
            throw new ArgumentException($"{descriptor.Id} is not a YOLOv3-tiny detector with two heads.", nameof(model));
        }

        DecodeOptions decode = DecodeOptions.For(model.Descriptor);
        if (descriptor.InputWidth != decode.YoloInputSize || descriptor.InputHeight != decode.YoloInputSize)
        {
            throw new NotSupportedException($"Model '{descriptor.Id}': its input is {descriptor.InputWidth}x{descriptor.InputHeight}; the YOLO decode's grid is for {decode.YoloInputSize}x{decode.YoloInputSize}.");
        }

        _ = new YoloV3TinyPostprocessor(decode); // the C# stage's own checks: the kernels implement the same contract
        return model;
    }

    /// <summary>YOLOv3-tiny's lists: A(G0² + G1²) boxes, its classes (labels from 0), the kernels' 256 per class, the model's IoU rule and cap.</summary>
    private static CandidateLists Lists(ResolvedModel model)
    {
        DecodeOptions decode = DecodeOptions.For(model.Descriptor);
        var layout = new YoloV3TinyLayout(decode);
        return Checked(new CandidateLists(layout.TotalBoxes, layout.ClassCount, CudaPipelineKernels.MaxSelected, decode.YoloIouThreshold,
            decode.YoloOverlapRule == NmsOverlapRule.SuppressAtOrAbove, decode.YoloMaxDetections, LabelBase: 0), model.Descriptor.Id);
    }
}
