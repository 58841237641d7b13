using EdgeBench.Core.Detection;
using EdgeBench.Core.Profiling;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The back half SSD300's and YOLOv3-tiny's GPU loops share: the family's decode kernel writes candidates (confidences
/// probs [N, C, B], 0 where not a candidate, and boxes [N, B]), then EdgeBench's class-wise top-k + greedy NMS and merge
/// kernels (DetectionAssembler.Emit's semantics) fill a fixed block of <see cref="MaxDetections"/> slots per image,
/// which is downloaded into one of two page-locked host slots (<see cref="ReadDetections"/>).
/// </summary>
/// <remarks>
/// The decode runs on the compute stream (it reads the model's outputs, which the next call's model overwrites); NMS,
/// merge and download run on a postprocess stream of their own, on per-slot buffers, so that in the double-buffered
/// loop call N's NMS (a handful of small kernels, short and mostly launch latency) overlaps call N+1's preprocess and
/// model instead of adding to every frame: with NMS in series (and the host queueing each call after waiting for the
/// previous one) YOLOv3-tiny's loop ran 0.04 ms per frame behind its 0.21 ms model at batch 1 on the H200.
/// </remarks>
public abstract class OrtCudaDetectorPipeline : OrtCudaPipeline
{
    private readonly float[][] _results = new float[2][];
    // Per slot: the decode's candidates, the NMS workspace and the result block (call N's NMS may run while call N+1
    // decodes into the other slot).
    private readonly IntPtr[] _deviceProbs = new IntPtr[2];
    private readonly IntPtr[] _deviceBoxes = new IntPtr[2];
    private readonly SsdWorkspace[] _workspace = new SsdWorkspace[2];
    private readonly IntPtr[] _deviceResults = new IntPtr[2];
    private readonly IntPtr[] _decoded = [IntPtr.Zero, IntPtr.Zero];
    private readonly IntPtr _postStream;
    private readonly CandidateLists _lists;
    private bool _postReleased;

    /// <summary>
    /// As <see cref="OrtCudaPipeline"/>'s constructor, then the candidate, NMS and result buffers for
    /// <paramref name="lists"/>; the derived class binds the model's outputs and ends with
    /// <see cref="OrtCudaPipeline.CompleteConstruction"/>.
    /// </summary>
    private protected OrtCudaDetectorPipeline(ResolvedModel model, int batchSize, int frameWidth, int frameHeight, OrtBackendOptions options,
        int kernelClasses, CandidateLists lists)
        : base(model, batchSize, frameWidth, frameHeight, options, kernelClasses)
    {
        _lists = lists;
        MaxDetections = lists.MaxDetections;
        try
        {
            _postStream = CudaRuntime.CreateStream();
            long listCount = (long)batchSize * lists.Classes;
            long listSlots = listCount * lists.PerClassTopK;
            for (int slot = 0; slot < 2; slot++)
            {
                _decoded[slot] = CudaRuntime.CreateEvent();
                _deviceProbs[slot] = Device((long)batchSize * lists.Classes * lists.Boxes * sizeof(float));
                _deviceBoxes[slot] = Device((long)batchSize * lists.Boxes * 4 * sizeof(float));
                _workspace[slot] = new SsdWorkspace(
                    SortedKeys: Device(listSlots * sizeof(ulong)),
                    SortedBoxes: Device(listSlots * 4 * sizeof(float)),
                    SortedCounts: Device(listCount * sizeof(int)),
                    Masks: Device(listSlots * SsdWorkspace.MaskWords * sizeof(uint)),
                    KeptKeys: Device(listSlots * sizeof(ulong)),
                    KeptCounts: Device(listCount * sizeof(int)));
                _results[slot] = GC.AllocateArray<float>(DetectionSlots.ResultFloats(batchSize, MaxDetections), pinned: true);
                PageLock(_results[slot]);
                _deviceResults[slot] = Device(_results[slot].LongLength * sizeof(float));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Detection slots per image (D).</summary>
    public int MaxDetections { get; }

    // Zero only while a failed construction is disposed, before the stream existed.
    private protected sealed override IntPtr CompletionStream => _postStream != IntPtr.Zero ? _postStream : Stream;

    /// <summary>
    /// The filled slots of the last completed call as detections (cleared first; after <see cref="OrtCudaPipeline.RunPipelined"/>,
    /// the previous call's); returns their count, 0 when no call has completed.
    /// </summary>
    public int ReadDetections(List<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        if (ReadableSlot < 0)
        {
            detections.Clear();
            return 0;
        }

        return DetectionSlots.Read(_results[ReadableSlot], BatchSize, MaxDetections, detections);
    }

    /// <summary>
    /// The limits the kernels hold (<see cref="CudaPipelineKernels"/>), checked before anything is allocated; returns
    /// <paramref name="lists"/>. <paramref name="model"/> names the model in the error.
    /// </summary>
    private protected static CandidateLists Checked(CandidateLists lists, string model)
    {
        if (lists.PerClassTopK > CudaPipelineKernels.MaxSelected || lists.Classes > CudaPipelineKernels.MaxClasses || lists.Boxes > CudaPipelineKernels.MaxBoxes)
        {
            throw new NotSupportedException($"Model '{model}': the CUDA kernels take at most {CudaPipelineKernels.MaxSelected} candidates per class, {CudaPipelineKernels.MaxClasses} classes and {CudaPipelineKernels.MaxBoxes} boxes; got {lists.PerClassTopK}, {lists.Classes}, {lists.Boxes}.");
        }

        return lists;
    }

    /// <summary>
    /// Queues, on <see cref="OrtCudaPipeline.Stream"/>, the family's decode of the model's outputs into
    /// <paramref name="probs"/> (candidate confidences [N, C, B], 0 where a (box, class) is no candidate) and
    /// <paramref name="boxes"/> ([N, B] as l, t, r, b floats).
    /// </summary>
    private protected abstract void QueueDecode(IntPtr probs, IntPtr boxes);

    protected override void Dispose(bool disposing)
    {
        if (!disposing || _postReleased)
        {
            return;
        }

        _postReleased = true;
        // The base waits for both streams (CompletionStream) before it frees the buffers; the stream and events after.
        base.Dispose(disposing);
        foreach (IntPtr decoded in _decoded)
        {
            if (decoded != IntPtr.Zero)
            {
                CudaRuntime.DestroyEvent(decoded);
            }
        }

        if (_postStream != IntPtr.Zero)
        {
            CudaRuntime.DestroyStream(_postStream);
        }
    }

    private protected sealed override void QueueOutputs(int slot)
    {
        IntPtr probs = _deviceProbs[slot], boxes = _deviceBoxes[slot];
        SsdWorkspace workspace = _workspace[slot];
        using (Nvtx.Push(StageRanges.Postprocess))
        {
            QueueDecode(probs, boxes);
            CudaRuntime.RecordEvent(_decoded[slot], Stream);
            CudaRuntime.WaitEvent(_postStream, _decoded[slot]);
            Kernels.ClassNms(probs, boxes, _lists.Boxes, _lists.Classes, _lists.PerClassTopK, _lists.IouThreshold,
                _lists.SuppressAtOrAbove, workspace, BatchSize, _postStream);
            Kernels.Merge(workspace.KeptKeys, workspace.KeptCounts, boxes, _lists.Boxes, _lists.Classes, _lists.PerClassTopK,
                MaxDetections, _lists.LabelBase, _deviceResults[slot], BatchSize, _postStream);
        }

        using Nvtx.Range downloadRange = Nvtx.Push(StageRanges.Download);
        float[] results = _results[slot];
        CudaRuntime.CopyToHostAsync(DeviceBuffers.AddressOf(results), _deviceResults[slot], results.LongLength * sizeof(float), _postStream);
    }
}

/// <summary>
/// The candidate lists a detector's decode hands the NMS kernels: <see cref="Boxes"/> boxes per image, <see cref="Classes"/>
/// classes (the foreground ones), the best <see cref="PerClassTopK"/> per class entering greedy NMS at
/// <see cref="IouThreshold"/> (suppressing at or above it, or only above), then the best <see cref="MaxDetections"/> per
/// image; a detection's label is <see cref="LabelBase"/> + its class index.
/// </summary>
internal readonly record struct CandidateLists(int Boxes, int Classes, int PerClassTopK, float IouThreshold, bool SuppressAtOrAbove, int MaxDetections, int LabelBase);
