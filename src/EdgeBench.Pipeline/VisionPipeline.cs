using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Core.Profiling;
using EdgeBench.Postprocessing;
using EdgeBench.Preprocessing;

namespace EdgeBench.Pipeline;

/// <summary>
/// The measured pipeline for one model, precision and batch size: frames -> <see cref="FrameTensor"/> (stage 1)
/// -> <see cref="Preprocessor"/> into the backend's input (stage 2) -> <see cref="IInferenceBackend.Run"/> (stage 3)
/// -> decoding/NMS or softmax/top-k (stage 4). Every buffer is created in the constructor; in steady state a batch
/// allocates no managed memory (the detections list keeps its capacity).
/// </summary>
/// <remarks>Stages can be called one at a time (the benchmarks do) or together with <see cref="ProcessBatch"/>.</remarks>
public sealed class VisionPipeline : IVisionPipeline
{
    private readonly IInferenceBackend _backend;
    private readonly Preprocessor _preprocessor;
    private readonly SsdPostprocessor? _ssd;
    private readonly YoloV3TinyPostprocessor? _yolo;
    private readonly YoloV8Postprocessor? _yoloV8;
    private readonly YoloV5Postprocessor? _yoloV5;
    private readonly ClassificationPostprocessor? _classifier;
    private readonly ClassScore[] _classScores;
    private readonly List<Detection> _detections = new(capacity: 1024);
    private readonly bool _ownsBackend;

    /// <param name="backend">The inference engine; disposed with the pipeline when <paramref name="ownsBackend"/>.</param>
    /// <param name="frameWidth">Camera frame width (frames are resized to the model's input).</param>
    /// <param name="frameHeight">Camera frame height.</param>
    /// <param name="options">Postprocessing constants; when null, the reference defaults with the model's own thresholds (<see cref="DecodeOptions.For"/>).</param>
    /// <param name="ownsBackend">Whether <see cref="Dispose"/> disposes <paramref name="backend"/>.</param>
    public VisionPipeline(IInferenceBackend backend, int frameWidth, int frameHeight, DecodeOptions? options = null, bool ownsBackend = true)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
        _ownsBackend = ownsBackend;
        Model = backend.Model;
        BatchSize = backend.BatchSize;
        Frames = new FrameTensor(frameWidth, frameHeight, BatchSize);
        _preprocessor = new Preprocessor(Model, frameWidth, frameHeight);
        options ??= DecodeOptions.For(Model);
        switch (Model.Postprocess)
        {
            case PostprocessKind.Ssd:
                _ssd = new SsdPostprocessor(options, SsdDefaultBoxes.For(Model.SsdAnchors));
                break;
            case PostprocessKind.YoloV3Tiny:
                _yolo = new YoloV3TinyPostprocessor(options);
                break;
            case PostprocessKind.Classification:
                _classifier = new ClassificationPostprocessor(options);
                break;
            case PostprocessKind.YoloV8:
                _yoloV8 = new YoloV8Postprocessor(Model.Outputs[0].Shape, Model.InputWidth, Model.InputHeight, options);
                break;
            case PostprocessKind.YoloV5:
                _yoloV5 = new YoloV5Postprocessor(Model.Outputs[0].Shape, Model.InputWidth, Model.InputHeight, options);
                break;
        }

        _classScores = new ClassScore[BatchSize * (_classifier?.TopK ?? 0)];
    }

    public ModelDescriptor Model { get; }

    public int BatchSize { get; }

    /// <summary>The batch's frames after stage 1 (RGB24).</summary>
    public FrameTensor Frames { get; }

    /// <summary>
    /// Where each frame lands in the model input (stretch or letterbox): maps a detection box back to frame pixels,
    /// <see cref="FrameMapping.MapRelativeToFrame"/> for boxes relative to the input (SSD, YOLOv3-tiny).
    /// </summary>
    public FrameMapping Mapping => _preprocessor.Mapping;

    /// <summary>The backend running stage 3.</summary>
    public IInferenceBackend Backend => _backend;

    /// <summary>Bytes of <see cref="Frames"/>.</summary>
    public int FrameTensorBytes => Frames.ByteCount;

    /// <summary>Whether this model has a postprocessing stage (feature extractors have none).</summary>
    public bool HasPostprocess => Model.Postprocess != PostprocessKind.None;

    /// <summary>Detections of the last <see cref="Postprocess()"/> (detectors), highest score first per image.</summary>
    public IReadOnlyList<Detection> Detections => _detections;

    /// <summary>Top-k classes of the last <see cref="Postprocess()"/> (classifiers): k entries per batch item.</summary>
    public ReadOnlySpan<ClassScore> ClassScores => _classScores;

    /// <summary>Candidates above the score threshold before NMS in the last postprocess (detectors; 0 otherwise).</summary>
    public int LastCandidateCount => _ssd?.LastCandidateCount ?? _yolo?.LastCandidateCount ?? _yoloV8?.LastCandidateCount ?? _yoloV5?.LastCandidateCount ?? 0;

    /// <summary>Stage 1: copies <paramref name="frames"/> (exactly <see cref="BatchSize"/>) into <see cref="Frames"/>.</summary>
    public void ToTensor(ReadOnlySpan<FrameBuffer> frames)
    {
        if (frames.Length != BatchSize)
        {
            throw new ArgumentException($"Expected {BatchSize} frames, got {frames.Length}.", nameof(frames));
        }

        using Nvtx.Range range = Nvtx.Push(StageRanges.ToTensor);
        for (int i = 0; i < frames.Length; i++)
        {
            Frames.Load(frames[i], i);
        }
    }

    /// <summary>Stage 2: resizes and normalizes every frame of <see cref="Frames"/> into the backend's input tensor.</summary>
    public void Preprocess()
    {
        using Nvtx.Range range = Nvtx.Push(StageRanges.Preprocess);
        HostTensor input = _backend.Input;
        for (int i = 0; i < BatchSize; i++)
        {
            FrameBuffer frame = Frames.Frame(i);
            if (input.ElementType == Precision.Fp16)
            {
                _preprocessor.Run(frame, input.AsHalf(), i);
            }
            else
            {
                _preprocessor.Run(frame, input.AsFloat(), i);
            }
        }
    }

    /// <summary>Stage 3: runs the model.</summary>
    public void Infer()
    {
        using Nvtx.Range range = Nvtx.Push(StageRanges.Inference);
        _backend.Run();
    }

    /// <summary>
    /// Stage 4 on the backend's outputs; returns the number of results (detections, or top-k entries). Decoding
    /// runs in fp32 whatever the model's precision.
    /// </summary>
    public int Postprocess() => Postprocess(_backend.Outputs);

    /// <summary>Stage 4 on explicit output tensors (the postprocess benchmark feeds recorded-style outputs).</summary>
    public int Postprocess(IReadOnlyList<HostTensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        using Nvtx.Range range = Nvtx.Push(StageRanges.Postprocess);
        _detections.Clear();
        bool half = outputs.Count > 0 && outputs[0].ElementType == Precision.Fp16;
        switch (Model.Postprocess)
        {
            case PostprocessKind.Ssd when half:
                _ssd!.Process(outputs[0].AsHalf(), outputs[1].AsHalf(), BatchSize, _detections);
                return _detections.Count;
            case PostprocessKind.Ssd:
                _ssd!.Process(outputs[0].AsFloat(), outputs[1].AsFloat(), BatchSize, _detections);
                return _detections.Count;
            case PostprocessKind.YoloV3Tiny when half:
                _yolo!.Process(outputs[0].AsHalf(), outputs[1].AsHalf(), BatchSize, _detections);
                return _detections.Count;
            case PostprocessKind.YoloV3Tiny:
                _yolo!.Process(outputs[0].AsFloat(), outputs[1].AsFloat(), BatchSize, _detections);
                return _detections.Count;
            case PostprocessKind.YoloV8 when half:
                _yoloV8!.Process(outputs[0].AsHalf(), BatchSize, _detections);
                return _detections.Count;
            case PostprocessKind.YoloV8:
                _yoloV8!.Process(outputs[0].AsFloat(), BatchSize, _detections);
                return _detections.Count;
            case PostprocessKind.YoloV5 when half:
                _yoloV5!.Process(outputs[0].AsHalf(), BatchSize, _detections);
                return _detections.Count;
            case PostprocessKind.YoloV5:
                _yoloV5!.Process(outputs[0].AsFloat(), BatchSize, _detections);
                return _detections.Count;
            case PostprocessKind.Classification when half:
                return _classifier!.Process(outputs[0].AsHalf(), BatchSize, _classScores);
            case PostprocessKind.Classification:
                return _classifier!.Process(outputs[0].AsFloat(), BatchSize, _classScores);
            default:
                return 0;
        }
    }

    /// <summary>The end-to-end loop body: all four stages for one batch of frames; returns the result count.</summary>
    public int ProcessBatch(ReadOnlySpan<FrameBuffer> frames)
    {
        using Nvtx.Range range = Nvtx.Push(StageRanges.Frame);
        ToTensor(frames);
        Preprocess();
        Infer();
        return Postprocess();
    }

    public void Dispose()
    {
        if (_ownsBackend)
        {
            _backend.Dispose();
        }
    }
}
