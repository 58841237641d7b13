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
public abstract class OrtCudaDetectorPipeline : OrtCudaPipeline
{
    private readonly float[][] _results = new float[2][];
    private readonly IntPtr _deviceResults;
    private readonly SsdWorkspace _workspace;
    private readonly CandidateLists _lists;

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
            DeviceProbs = Device((long)batchSize * lists.Classes * lists.Boxes * sizeof(float));
            DeviceBoxes = Device((long)batchSize * lists.Boxes * 4 * sizeof(float));
            long listCount = (long)batchSize * lists.Classes;
            long listSlots = listCount * lists.PerClassTopK;
            _workspace = new SsdWorkspace(
                SortedKeys: Device(listSlots * sizeof(ulong)),
                SortedBoxes: Device(listSlots * 4 * sizeof(float)),
                SortedCounts: Device(listCount * sizeof(int)),
                Masks: Device(listSlots * SsdWorkspace.MaskWords * sizeof(uint)),
                KeptKeys: Device(listSlots * sizeof(ulong)),
                KeptCounts: Device(listCount * sizeof(int)));
            for (int slot = 0; slot < 2; slot++)
            {
                _results[slot] = GC.AllocateArray<float>(DetectionSlots.ResultFloats(batchSize, MaxDetections), pinned: true);
                PageLock(_results[slot]);
            }

            _deviceResults = Device(_results[0].LongLength * sizeof(float));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Detection slots per image (D).</summary>
    public int MaxDetections { get; }

    /// <summary>The decode kernel's output: candidate confidences [N, C, B], 0 where a (box, class) is no candidate.</summary>
    private protected IntPtr DeviceProbs { get; }

    /// <summary>The decode kernel's output: boxes [N, B] as (l, t, r, b) floats.</summary>
    private protected IntPtr DeviceBoxes { get; }

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

    /// <summary>Queues the family's decode into <see cref="DeviceProbs"/> and <see cref="DeviceBoxes"/> (postprocess range open).</summary>
    private protected abstract void QueueDecode();

    private protected sealed override void QueueOutputs(int slot)
    {
        using (Nvtx.Push(StageRanges.Postprocess))
        {
            QueueDecode();
            Kernels.ClassNms(DeviceProbs, DeviceBoxes, _lists.Boxes, _lists.Classes, _lists.PerClassTopK, _lists.IouThreshold,
                _lists.SuppressAtOrAbove, _workspace, BatchSize, Stream);
            Kernels.Merge(_workspace.KeptKeys, _workspace.KeptCounts, DeviceBoxes, _lists.Boxes, _lists.Classes, _lists.PerClassTopK,
                MaxDetections, _lists.LabelBase, _deviceResults, BatchSize, Stream);
        }

        using Nvtx.Range downloadRange = Nvtx.Push(StageRanges.Download);
        float[] results = _results[slot];
        CudaRuntime.CopyToHostAsync(DeviceBuffers.AddressOf(results), _deviceResults, results.LongLength * sizeof(float), Stream);
    }
}

/// <summary>
/// The candidate lists a detector's decode hands the NMS kernels: <see cref="Boxes"/> boxes per image, <see cref="Classes"/>
/// classes (the foreground ones), the best <see cref="PerClassTopK"/> per class entering greedy NMS at
/// <see cref="IouThreshold"/> (suppressing at or above it, or only above), then the best <see cref="MaxDetections"/> per
/// image; a detection's label is <see cref="LabelBase"/> + its class index.
/// </summary>
internal readonly record struct CandidateLists(int Boxes, int Classes, int PerClassTopK, float IouThreshold, bool SuppressAtOrAbove, int MaxDetections, int LabelBase);
