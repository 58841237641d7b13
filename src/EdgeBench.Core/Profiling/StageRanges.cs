namespace EdgeBench.Core.Profiling;

/// <summary>
/// The NVTX range names of the pipeline's stages, the same names as the stages' rows in edgebench.csv, so a profile's
/// ranges and the run's rows read alike.
/// </summary>
public static class StageRanges
{
    public static NvtxName ToTensor { get; } = new("to-tensor");

    public static NvtxName Preprocess { get; } = new("preprocess");

    public static NvtxName Inference { get; } = new("inference");

    public static NvtxName Postprocess { get; } = new("postprocess");

    /// <summary>Frames copied to the device (GPU-resident pipelines).</summary>
    public static NvtxName Upload { get; } = new("upload");

    /// <summary>Results copied back to the host (GPU-resident pipelines).</summary>
    public static NvtxName Download { get; } = new("download");

    /// <summary>One end-to-end call: a batch of frames from camera to detections.</summary>
    public static NvtxName Frame { get; } = new("frame");
}
