using System.Buffers;
using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Inference.TorchSharp.Native;
using EdgeBench.Pipeline;
using EdgeBench.Postprocessing;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EdgeBench.Inference.TorchSharp.Pipeline;

/// <summary>
/// The vision pipeline written the way a PyTorch user writes it, every stage in libtorch ops through TorchSharp:
/// frames → uint8 HWC tensor (from_blob views, BGR→RGB by <c>flip</c>) → permute to NCHW, float,
/// <c>F.interpolate(bilinear, align_corners=False)</c>, normalize → the module → softmax / box decoding / NMS / top-k
/// with tensor ops. Results land in the same <see cref="Detection"/> and <see cref="ClassScore"/> types as
/// <see cref="VisionPipeline"/>'s, with the same constants (<see cref="DecodeOptions"/>, <see cref="SsdDefaultBoxes"/>,
/// YoloV3TinyLayout), so the two are compared case by case.
/// </summary>
/// <remarks>
/// <para>Each stage runs under <c>inference_mode</c> inside a <c>DisposeScope</c>: every temporary is freed when the
/// stage returns. Kept between stages: the frame tensor (owned), the model input (a view over the backend's
/// pinned <see cref="IInferenceBackend.Input"/>) and the outputs of the last <see cref="Infer"/> (libtorch tensors,
/// never copied to host buffers: postprocess reads them where they are).</para>
/// <para>What allocates per call: libtorch allocates every intermediate tensor natively (freed by the scope); on the
/// managed side each TorchSharp op creates a small Tensor wrapper object, and implicit Scalars, shape arrays and
/// the kept-index array of NMS are small managed objects. Detections are read back through pinned scratch arrays
/// that grow only when a result is larger than any before.</para>
/// </remarks>
public sealed class TorchVisionPipeline : IVisionPipeline
{
    private readonly TorchSharpBackend _backend;
    private readonly bool _ownsBackend;
    private readonly DecodeOptions _options;
    private readonly Tensor _frames;
    private readonly long[] _frameDims;
    private readonly Tensor _mean;
    private readonly Tensor _std;
    private readonly List<Detection> _detections = new(capacity: 1024);
    private readonly ClassScore[] _classScores;
    private readonly TorchNms _nms = new();
    private readonly HostScratch<float> _rows = new();
    private readonly HostScratch<long> _indices = new();

    // SSD: default boxes as [1, 2, B] centre and size rows.
    private readonly Tensor? _boxCenter;
    private readonly Tensor? _boxSize;

    // YOLO, per head: cell column and row as [1, 1, G·G], anchor sizes in input units as [1, A, 1].
    private readonly YoloV3TinyLayout? _yolo;
    private readonly Tensor[] _yoloColumn = [];
    private readonly Tensor[] _yoloRow = [];
    private readonly Tensor[] _yoloAnchorW = [];
    private readonly Tensor[] _yoloAnchorH = [];

    private Tensor[] _outputs = [];
    private readonly FrameMapping _mapping;
    private IReadOnlyList<HostTensor>? _recorded;
    private Tensor[] _recordedViews = [];

    /// <param name="backend">The libtorch module runner; disposed with the pipeline when <paramref name="ownsBackend"/>.</param>
    /// <param name="frameWidth">Camera frame width.</param>
    /// <param name="frameHeight">Camera frame height.</param>
    /// <param name="options">Postprocessing constants; when null, the reference defaults with the model's own thresholds, as <see cref="VisionPipeline"/>.</param>
    /// <param name="ownsBackend">Whether <see cref="Dispose"/> disposes <paramref name="backend"/>.</param>
    public TorchVisionPipeline(TorchSharpBackend backend, int frameWidth, int frameHeight, DecodeOptions? options = null, bool ownsBackend = true)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);
        _backend = backend;
        _ownsBackend = ownsBackend;
        _options = options ?? DecodeOptions.For(backend.Model);
        Model = backend.Model;
        BatchSize = backend.BatchSize;
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        _frameDims = [frameHeight, frameWidth, FrameBuffer.BytesPerPixel];
        _frames = zeros([BatchSize, frameHeight, frameWidth, FrameBuffer.BytesPerPixel], ScalarType.Byte);
        _mapping = FrameMapping.For(Model.Preprocessing.Resize, frameWidth, frameHeight, Model.InputWidth, Model.InputHeight);

        // (x/255 − mean)/std  ==  (x − 255·mean)/(255·std), one subtract and one divide over the 0..255 floats.
        Normalization norm = Model.Normalization;
        _mean = tensor(norm.Mean.Select(m => m * 255f).ToArray(), [1, 3, 1, 1], ScalarType.Float32);
        _std = tensor(norm.Std.Select(s => s * 255f).ToArray(), [1, 3, 1, 1], ScalarType.Float32);

        switch (Model.Postprocess)
        {
            case PostprocessKind.Ssd:
                if (Model.SsdAnchors is not null)
                {
                    throw new NotSupportedException($"Model '{Model.Id}': the libtorch SSD decode uses SSD300's default boxes; its sidecar describes other anchors (ssd_anchors).");
                }

                SsdDefaultBoxes boxes = SsdDefaultBoxes.Coco300;
                _boxCenter = tensor([.. boxes.CenterX, .. boxes.CenterY], [1, 2, boxes.Count], ScalarType.Float32);
                _boxSize = tensor([.. boxes.Width, .. boxes.Height], [1, 2, boxes.Count], ScalarType.Float32);
                break;
            case PostprocessKind.YoloV3Tiny:
                _yolo = new YoloV3TinyLayout(_options);
                _yoloColumn = new Tensor[2];
                _yoloRow = new Tensor[2];
                _yoloAnchorW = new Tensor[2];
                _yoloAnchorH = new Tensor[2];
                for (int head = 0; head < 2; head++)
                {
                    int g = _yolo.Grid[head];
                    int a = _yolo.AnchorsPerHead;
                    _yoloColumn[head] = tensor(Enumerable.Range(0, g * g).Select(c => (float)(c % g)).ToArray(), [1, 1, g * g], ScalarType.Float32);
                    _yoloRow[head] = tensor(Enumerable.Range(0, g * g).Select(c => (float)(c / g)).ToArray(), [1, 1, g * g], ScalarType.Float32);
                    _yoloAnchorW[head] = tensor(_yolo.AnchorW.AsSpan(head * a, a).ToArray(), [1, a, 1], ScalarType.Float32);
                    _yoloAnchorH[head] = tensor(_yolo.AnchorH.AsSpan(head * a, a).ToArray(), [1, a, 1], ScalarType.Float32);
                }

                break;
        }

        _classScores = new ClassScore[Model.Postprocess == PostprocessKind.Classification ? BatchSize * _options.ClassificationTopK : 0];
    }

    public ModelDescriptor Model { get; }

    public int BatchSize { get; }

    public int FrameWidth { get; }

    public int FrameHeight { get; }

    /// <summary>The TorchSharp backend; its <see cref="IInferenceBackend.Input"/> is the memory the preprocess writes.</summary>
    public IInferenceBackend Backend => _backend;

    public bool HasPostprocess => Model.Postprocess != PostprocessKind.None;

    public int FrameTensorBytes => BatchSize * FrameWidth * FrameHeight * FrameBuffer.BytesPerPixel;

    public IReadOnlyList<Detection> Detections => _detections;

    public ReadOnlySpan<ClassScore> ClassScores => _classScores;

    public int LastCandidateCount { get; private set; }

    /// <summary>The outputs of the last <see cref="Infer"/> as libtorch tensors (declaration order).</summary>
    internal IReadOnlyList<Tensor> OutputTensors => _outputs;

    /// <summary>
    /// Stage 1: each frame's bytes seen as a uint8 H×W×3 tensor (from_blob view, no copy), flipped on the channel
    /// axis when BGR (<c>frame.flip(-1)</c>) and copied into batch item i of the pipeline's N×H×W×3 tensor.
    /// </summary>
    public unsafe void ToTensor(ReadOnlySpan<FrameBuffer> frames)
    {
        if (frames.Length != BatchSize)
        {
            throw new ArgumentException($"Expected {BatchSize} frames, got {frames.Length}.", nameof(frames));
        }

        using IDisposable mode = inference_mode();
        using DisposeScope scope = NewDisposeScope();
        for (int i = 0; i < frames.Length; i++)
        {
            FrameBuffer frame = frames[i];
            if (frame.Width != FrameWidth || frame.Height != FrameHeight)
            {
                throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}; this pipeline takes {FrameWidth}x{FrameHeight} frames.", nameof(frames));
            }

            using MemoryHandle pin = frame.Pixels.Pin();
            Tensor view = frame.Stride == FrameWidth * FrameBuffer.BytesPerPixel
                ? HostTensorView.Create((IntPtr)pin.Pointer, _frameDims, HostTensorView.ScalarByte, "a camera frame")
                : HostTensorView.Create((IntPtr)pin.Pointer, [frame.Pixels.Length], HostTensorView.ScalarByte, "a camera frame")
                    .as_strided(_frameDims, [frame.Stride, FrameBuffer.BytesPerPixel, 1]);
            _frames[i].copy_(frame.Format == PixelFormat.Bgr24 ? view.flip(-1) : view);
        }
    }

    /// <summary>
    /// Stage 2, as torchvision-style code writes it: <c>x = frames.permute(0, 3, 1, 2).float()</c> (<c>.flip(1)</c>
    /// for a BGR model), <c>F.interpolate(x, size, mode="bilinear", align_corners=False)</c> (no antialias, as
    /// cv2.resize and EdgeBench's kernel; a letterbox resizes to its content size and <c>F.pad</c>s with the pad value),
    /// <c>(x − 255·mean) / (255·std)</c>, then copied (permuted back for an NHWC model, cast to half for fp16) into the
    /// model input.
    /// </summary>
    public void Preprocess()
    {
        using IDisposable mode = inference_mode();
        using DisposeScope scope = NewDisposeScope();
        Tensor x = _frames.permute(0, 3, 1, 2).to_type(ScalarType.Float32);
        if (Model.Preprocessing.ChannelOrder == ChannelOrder.Bgr)
        {
            x = x.flip(1);
        }

        if (FrameWidth != _mapping.ContentWidth || FrameHeight != _mapping.ContentHeight)
        {
            x = F.interpolate(x, size: [_mapping.ContentHeight, _mapping.ContentWidth], mode: InterpolationMode.Bilinear, align_corners: false);
        }

        if (_mapping.HasPadding)
        {
            int right = Model.InputWidth - _mapping.ContentWidth - _mapping.OffsetX;
            int bottom = Model.InputHeight - _mapping.ContentHeight - _mapping.OffsetY;
            x = F.pad(x, [_mapping.OffsetX, right, _mapping.OffsetY, bottom], PaddingModes.Constant, Model.Preprocessing.PadValue);
        }

        x = x.sub_(_mean).div_(_std);
        _backend.InputTensor.copy_(Model.Layout == TensorLayout.Nhwc ? x.permute(0, 2, 3, 1) : x);
    }

    /// <summary>Stage 3: the module's forward pass; its outputs stay libtorch tensors for the postprocess.</summary>
    public void Infer()
    {
        DisposeOutputs();
        using IDisposable mode = inference_mode();
        using DisposeScope scope = NewDisposeScope();
        Tensor[] results = _backend.Forward();
        foreach (Tensor result in results)
        {
            result.DetachFromDisposeScope();
        }

        _outputs = results;
    }

    public int Postprocess() => Postprocess((IReadOnlyList<Tensor>)_outputs);

    /// <summary>
    /// Stage 4 on host tensors (recorded-style outputs): they are wrapped as libtorch tensors (from_blob views, made
    /// once per list) and decoded exactly as the module's outputs are.
    /// </summary>
    public int Postprocess(IReadOnlyList<HostTensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (!ReferenceEquals(outputs, _recorded))
        {
            DisposeRecordedViews();
            _recordedViews = outputs.Select(HostTensorView.Create).ToArray();
            _recorded = outputs;
        }

        return Postprocess((IReadOnlyList<Tensor>)_recordedViews);
    }

    public int ProcessBatch(ReadOnlySpan<FrameBuffer> frames)
    {
        ToTensor(frames);
        Preprocess();
        Infer();
        return Postprocess();
    }

    /// <summary>Stage 4 on libtorch tensors in the model's output layout.</summary>
    internal int Postprocess(IReadOnlyList<Tensor> outputs)
    {
        _detections.Clear();
        LastCandidateCount = 0;
        if (outputs.Count == 0 && HasPostprocess)
        {
            throw new InvalidOperationException("Infer() has not run: there are no outputs to postprocess.");
        }

        using IDisposable mode = inference_mode();
        using DisposeScope scope = NewDisposeScope();
        switch (Model.Postprocess)
        {
            case PostprocessKind.Ssd:
                Ssd(outputs[0], outputs[1]);
                return _detections.Count;
            case PostprocessKind.YoloV3Tiny:
                Yolo(outputs[0], outputs[1]);
                return _detections.Count;
            case PostprocessKind.Classification:
                return Classify(outputs[0]);
            default:
                return 0;
        }
    }

    /// <summary>
    /// SSD300 as NVIDIA's reference writes it (<c>scale_back_batch</c> + <c>decode_single</c>): decode every box
    /// against the default boxes (variances 0.1/0.2), softmax over classes, candidates with p &gt; 0.05, class-aware
    /// NMS at IoU 0.5 over each class's best 200, at most 200 detections. Decoding in fp32 whatever the model ran in.
    /// </summary>
    private void Ssd(Tensor locOutput, Tensor scoreOutput)
    {
        Tensor loc = locOutput.to_type(ScalarType.Float32);                  // N×4×B (dx, dy, dw, dh)
        Tensor center = loc.narrow(1, 0, 2).mul(_options.SsdScaleXy).mul_(_boxSize!).add_(_boxCenter!);
        Tensor halfSize = loc.narrow(1, 2, 2).mul(_options.SsdScaleWh).exp_().mul_(_boxSize!).mul_(0.5f);
        Tensor boxes = cat([center - halfSize, center + halfSize], 1).permute(0, 2, 1); // N×B×4 ltrb
        Tensor probabilities = scoreOutput.to_type(ScalarType.Float32).softmax(1);      // N×C×B
        int classes = (int)probabilities.shape[1];
        for (int n = 0; n < BatchSize; n++)
        {
            Tensor p = probabilities[n].narrow(0, 1, classes - 1);          // background dropped: class c is row c−1
            Tensor mask = p.gt(_options.SsdScoreThreshold);
            Tensor candidates = mask.nonzero();                              // K×2 (class−1, box), class-major
            Emit(boxes[n].index_select(0, candidates.select(1, 1)), p.masked_select(mask), candidates.select(1, 0).add(1),
                _options.SsdIouThreshold, _options.SsdOverlapRule, _options.SsdPerClassTopK, _options.SsdMaxDetections, n);
        }
    }

    /// <summary>
    /// YOLOv3-tiny, darknet's decode in tensor form: per head view N×A×(5+C)×G², x = (col + σ(tx))/G,
    /// w = e^tw·anchor/416, confidence σ(obj)·σ(class) &gt; 0.25, class-wise NMS at IoU 0.45 (suppress above), at most 300.
    /// </summary>
    private void Yolo(Tensor coarse, Tensor fine)
    {
        YoloV3TinyLayout layout = _yolo!;
        var boxes = new Tensor[2];
        var confidence = new Tensor[2];
        for (int head = 0; head < 2; head++)
        {
            int g = layout.Grid[head];
            Tensor p = (head == 0 ? coarse : fine).to_type(ScalarType.Float32).view(BatchSize, layout.AnchorsPerHead, layout.Channels, g * g);
            Tensor x = p.select(2, 0).sigmoid().add_(_yoloColumn[head]).div_(g);
            Tensor y = p.select(2, 1).sigmoid().add_(_yoloRow[head]).div_(g);
            Tensor w = p.select(2, 2).exp().mul_(_yoloAnchorW[head]).div_(layout.InputSize).mul_(0.5f);
            Tensor h = p.select(2, 3).exp().mul_(_yoloAnchorH[head]).div_(layout.InputSize).mul_(0.5f);
            boxes[head] = stack([x - w, y - h, x + w, y + h], -1).view(BatchSize, -1, 4);                // N×(A·G²)×4
            Tensor objectness = p.select(2, 4).sigmoid().unsqueeze(2);                                     // N×A×1×G²
            confidence[head] = p.narrow(2, 5, layout.ClassCount).sigmoid().mul_(objectness)
                .permute(0, 2, 1, 3).reshape(BatchSize, layout.ClassCount, -1);                            // N×C×(A·G²)
        }

        Tensor allBoxes = cat(boxes, 1);
        Tensor allConfidence = cat(confidence, 2);
        for (int n = 0; n < BatchSize; n++)
        {
            Tensor c = allConfidence[n];
            Tensor mask = c.gt(_options.YoloConfidenceThreshold);
            Tensor candidates = mask.nonzero();                              // K×2 (class, box), class-major
            Emit(allBoxes[n].index_select(0, candidates.select(1, 1)), c.masked_select(mask), candidates.select(1, 0),
                _options.YoloIouThreshold, _options.YoloOverlapRule, int.MaxValue, _options.YoloMaxDetections, n);
        }
    }

    /// <summary>NMS over one image's candidates, then one copy of the survivors (l, t, r, b, score, class) to the host.</summary>
    private void Emit(Tensor boxes, Tensor scores, Tensor classes, float iou, NmsOverlapRule rule, int perClassTopK, int maxDetections, int batchIndex)
    {
        int count = (int)scores.shape[0];
        LastCandidateCount += count;
        if (count == 0)
        {
            return;
        }

        Tensor keep = _nms.Run(boxes, scores, classes, iou, rule, perClassTopK, maxDetections);
        Tensor rows = cat([boxes, scores.unsqueeze(1), classes.to_type(ScalarType.Float32).unsqueeze(1)], 1).index_select(0, keep);
        ReadOnlySpan<float> values = _rows.Fetch(rows);
        for (int i = 0; i + 5 < values.Length; i += 6)
        {
            _detections.Add(new Detection(new BoundingBox(values[i], values[i + 1], values[i + 2], values[i + 3]), (int)values[i + 5], values[i + 4], batchIndex));
        }
    }

    /// <summary>Classifiers: <c>logits.float().softmax(1).topk(5)</c>.</summary>
    private int Classify(Tensor logits)
    {
        int classes = (int)logits.shape[1];
        int k = Math.Min(_options.ClassificationTopK, classes);
        (Tensor values, Tensor indices) = logits.to_type(ScalarType.Float32).softmax(1).topk(k, dim: 1);
        ReadOnlySpan<float> probabilities = _rows.Fetch(values);
        ReadOnlySpan<long> ids = _indices.Fetch(indices);
        for (int i = 0; i < probabilities.Length; i++)
        {
            _classScores[i] = new ClassScore((int)ids[i], probabilities[i]);
        }

        return probabilities.Length;
    }

    private void DisposeOutputs()
    {
        foreach (Tensor output in _outputs)
        {
            output.Dispose();
        }

        _outputs = [];
    }

    private void DisposeRecordedViews()
    {
        foreach (Tensor view in _recordedViews)
        {
            view.Dispose();
        }

        _recordedViews = [];
        _recorded = null;
    }

    public void Dispose()
    {
        DisposeOutputs();
        DisposeRecordedViews();
        _frames.Dispose();
        _mean.Dispose();
        _std.Dispose();
        _boxCenter?.Dispose();
        _boxSize?.Dispose();
        foreach (Tensor t in _yoloColumn.Concat(_yoloRow).Concat(_yoloAnchorW).Concat(_yoloAnchorH))
        {
            t.Dispose();
        }

        if (_ownsBackend)
        {
            _backend.Dispose();
        }
    }
}
