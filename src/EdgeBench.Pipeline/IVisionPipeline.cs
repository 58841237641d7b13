using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Postprocessing;

namespace EdgeBench.Pipeline;

/// <summary>
/// The four measured stages of a camera pipeline for one model, precision and batch size, and the end-to-end loop
/// over them. <see cref="VisionPipeline"/> is EdgeBench's own (C# pre/postprocessing around any
/// <see cref="IInferenceBackend"/>); EdgeBench.Inference.TorchSharp's <c>TorchVisionPipeline</c> is the same
/// pipeline written the PyTorch way, every stage in libtorch ops. The benchmarks drive either through this interface,
/// so both run the same stages and the same loop, and their results land in the same types to be compared.
/// </summary>
public interface IVisionPipeline : IDisposable
{
    ModelDescriptor Model { get; }

    int BatchSize { get; }

    /// <summary>
    /// The inference engine. Its <see cref="IInferenceBackend.Input"/> holds the model input after <see cref="Preprocess"/>
    /// for both implementations; its <see cref="IInferenceBackend.Outputs"/> give the output names, shapes and element
    /// types (a pipeline that keeps outputs in the engine's own tensors need not fill them).
    /// </summary>
    IInferenceBackend Backend { get; }

    /// <summary>Whether this model has a postprocessing stage (feature extractors have none).</summary>
    bool HasPostprocess { get; }

    /// <summary>Bytes of the stage-1 frame tensor (N·H·W·3).</summary>
    int FrameTensorBytes { get; }

    /// <summary>Detections of the last postprocess (detectors), highest score first per image.</summary>
    IReadOnlyList<Detection> Detections { get; }

    /// <summary>Top-k classes of the last postprocess (classifiers): k entries per batch item, best first.</summary>
    ReadOnlySpan<ClassScore> ClassScores { get; }

    /// <summary>Candidates above the score threshold before NMS in the last postprocess (detectors; 0 otherwise).</summary>
    int LastCandidateCount { get; }

    /// <summary>Stage 1: the batch's camera frames (exactly <see cref="BatchSize"/>) into the pipeline's RGB frame tensor.</summary>
    void ToTensor(ReadOnlySpan<FrameBuffer> frames);

    /// <summary>Stage 2: resize, normalize, HWC→CHW (and fp16) into the model input.</summary>
    void Preprocess();

    /// <summary>Stage 3: runs the model.</summary>
    void Infer();

    /// <summary>Stage 4 on the outputs of the last <see cref="Infer"/>; returns the number of results.</summary>
    int Postprocess();

    /// <summary>Stage 4 on explicit output tensors in the backend's output shapes (recorded-style outputs).</summary>
    int Postprocess(IReadOnlyList<HostTensor> outputs);

    /// <summary>The end-to-end loop body: all four stages for one batch of frames; returns the result count.</summary>
    int ProcessBatch(ReadOnlySpan<FrameBuffer> frames);
}
