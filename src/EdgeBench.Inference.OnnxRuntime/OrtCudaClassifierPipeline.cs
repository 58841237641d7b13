using System.Runtime.InteropServices;
using EdgeBench.Core.Models;
using EdgeBench.Core.Profiling;
using EdgeBench.Models.Zoo;
using EdgeBench.Postprocessing;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// A classifier's camera loop resident on the GPU, as <see cref="OrtCudaSsdPipeline"/> is SSD300's
/// (<see cref="OrtCudaPipeline"/>: frames upload, EdgeBench's preprocess kernel, the unchanged model in ONNX Runtime's
/// CUDA provider, optionally replayed as a CUDA graph), then one download of the logits.
/// </summary>
/// <remarks>
/// <para>The postprocess (softmax + top-k over the logits, <see cref="ClassificationPostprocessor"/>) stays on the host,
/// on purpose: it reads 4 KB per image (1000 logits) that the download brings anyway, and costs microseconds, less than
/// launching and waiting for a kernel would; putting it on the GPU would only move the same download behind a launch.
/// What made the host path slow is elsewhere: the C# resize of a VGA frame and the copies of the model input and of
/// the logits through ONNX Runtime.</para>
/// <para>The top-k is checked against the C# postprocess on the same logits (<see cref="DownloadLogits"/>).</para>
/// </remarks>
public sealed class OrtCudaClassifierPipeline : OrtCudaPipeline
{
    // SSD300's score channels: any valid count compiles the kernel library; only its preprocess kernels are launched here.
    private const int KernelLibraryClasses = 81;

    private readonly ClassificationPostprocessor _postprocessor = new();
    private readonly byte[][] _logits = new byte[2][];
    private readonly IntPtr _deviceLogits;

    /// <summary>
    /// Creates the session, stream and buffers for batches of <paramref name="batchSize"/> BGR24 frames of
    /// <paramref name="frameWidth"/> x <paramref name="frameHeight"/>. <paramref name="model"/> is a classifier with
    /// one [N, classes] output, NCHW input and stretch preprocessing (the preprocess kernel's). Raises
    /// <see cref="ProviderUnavailableException"/> when CUDA, NVRTC or the provider is missing here.
    /// </summary>
    public OrtCudaClassifierPipeline(ResolvedModel model, int batchSize, int frameWidth, int frameHeight, OrtBackendOptions options)
        : base(RequireClassifier(model), batchSize, frameWidth, frameHeight, options, KernelLibraryClasses)
    {
        try
        {
            ModelDescriptor descriptor = model.Descriptor;
            int classes = (int)descriptor.Outputs[0].Shape[1];
            for (int slot = 0; slot < 2; slot++)
            {
                _logits[slot] = GC.AllocateArray<byte>(checked(batchSize * classes * (Half ? 2 : 4)), pinned: true);
                PageLock(_logits[slot]);
            }

            (OrtValue logits, _deviceLogits) = Session.Device.Allocate(ElementType, [batchSize, classes]);
            Session.Bind(descriptor.Outputs[0].Name, logits, isInput: false, ElementType);
            CompleteConstruction();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Entries per image that <see cref="ReadTopK"/> returns.</summary>
    public int TopK => _postprocessor.TopK;

    /// <summary>
    /// The last completed call's top-k per image (softmax over the logits on the host, best first; after
    /// <see cref="OrtCudaPipeline.RunPipelined"/>, the previous call's) into <paramref name="destination"/>
    /// (<see cref="OrtCudaPipeline.BatchSize"/> x <see cref="TopK"/> entries); returns how many were written, 0 when no
    /// call has completed.
    /// </summary>
    public int ReadTopK(Span<ClassScore> destination)
    {
        if (ReadableSlot < 0)
        {
            return 0;
        }

        byte[] logits = _logits[ReadableSlot];
        using (Nvtx.Push(StageRanges.Postprocess))
        {
            return Half
                ? _postprocessor.Process(MemoryMarshal.Cast<byte, Half>(logits), BatchSize, destination)
                : _postprocessor.Process(MemoryMarshal.Cast<byte, float>(logits), BatchSize, destination);
        }
    }

    /// <summary>Copies the logits of the last run ([N, classes], fp32 or fp16 bits), as the model wrote them.</summary>
    public void DownloadLogits(Span<byte> destination) => Download(destination, _deviceLogits, _logits[0].LongLength);

    /// <summary>The logits' download into <paramref name="slot"/>: the postprocess runs on the host when they are read.</summary>
    private protected override void QueueOutputs(int slot)
    {
        using Nvtx.Range downloadRange = Nvtx.Push(StageRanges.Download);
        byte[] logits = _logits[slot];
        CudaRuntime.CopyToHostAsync(DeviceBuffers.AddressOf(logits), _deviceLogits, logits.LongLength, Stream);
    }

    private static ResolvedModel RequireClassifier(ResolvedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelDescriptor descriptor = model.Descriptor;
        if (descriptor.Postprocess != PostprocessKind.Classification || descriptor.Outputs.Count != 1 || descriptor.Outputs[0].Shape.Count != 2)
        {
            throw new ArgumentException($"{descriptor.Id} is not a classifier with one [N, classes] output.", nameof(model));
        }

        return model;
    }
}
