using EdgeBench.Core.Imaging;
using EdgeBench.Inference.OnnxRuntime.Int8;
using EdgeBench.Models.Int8;
using EdgeBench.Models.Zoo;
using EdgeBench.Benchmarks.Pipeline;
using Onnx;
using EdgeBench.Core.Models;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// The run's model store with its int8 quantizer: int8 files are calibrated on the run's own frames (the synthetic
/// video, or the user's <c>--frames</c>), so every place that resolves a model of the run takes its store here.
/// </summary>
internal static class Int8Calibration
{
    /// <summary>
    /// Calibration frames: ONNX Runtime's examples use a few hundred images; min/max needs far fewer to settle
    /// (a range only grows), and each frame runs the fp32 model once with every activation as an output.
    /// </summary>
    public const int CalibrationFrames = 16;

    /// <summary>Every <see cref="Stride"/>-th frame of the ring: consecutive video frames are near copies of each other.</summary>
    private const int Stride = 4;

    /// <summary>Why int8 is not run on a backend: only the CPU provider was checked to run QDQ models as integer kernels.</summary>
    public static string? SkipReason(string backend) => backend switch
    {
        BackendNames.OrtCpu => null,
        BackendNames.TorchSharpCpu =>
            "int8 runs on ONNX Runtime only: the TorchSharp pipeline rebuilds the fp32 graph as libtorch modules, and a QDQ graph has no such form " +
            "(libtorch's quantized CPU ops are a separate API)",
        BackendNames.OrtTensorRt or BackendNames.OrtTensorRtBound =>
            "int8 on TensorRT not verified: TensorRT can build INT8 engines from QDQ models, but EdgeBench's int8 files have only been run " +
            "and checked on the CPU provider; run --precision int8 --backend ort-cpu",
        _ =>
            "int8 on the CUDA provider not verified: it has no integer convolution kernels, so a QDQ model would run dequantized in float; " +
            "EdgeBench's int8 cases run on ort-cpu",
    };

    /// <summary>The models folder with the quantizer for this run's frames (built on first int8 use, once per process).</summary>
    public static ModelStore Store(RunSettings settings) =>
        new(ModelStore.DefaultDirectory()) { Int8Quantizer = new RunFramesQuantizer(settings.Frames, settings.EffectiveThreads) };

    private static readonly Lock s_lock = new();
    private static (string? Frames, int Threads, OrtStaticQuantizer Quantizer)? s_current;

    private static OrtStaticQuantizer QuantizerFor(string? footage, int threads)
    {
        lock (s_lock)
        {
            if (s_current is not { } current || current.Frames != footage || current.Threads != threads)
            {
                FrameBuffer[] ring = CameraFrames.Load(footage, CalibrationFrames * Stride);
                FrameBuffer[] frames = [.. ring.Where((_, i) => i % Stride == 0)];
                string label = footage is null ? "the synthetic video" : $"'{footage}'";
                s_current = current = (footage, threads, new OrtStaticQuantizer(frames, label, threads, Console.WriteLine));
            }

            return current.Quantizer;
        }
    }

    /// <summary>Defers decoding and hashing the frames until a model is really quantized or its cache stamp checked.</summary>
    private sealed class RunFramesQuantizer(string? footage, int threads) : IInt8Quantizer
    {
        public string Key => QuantizerFor(footage, threads).Key;

        public ModelProto Quantize(ModelProto fp32, ModelDescriptor descriptor) => QuantizerFor(footage, threads).Quantize(fp32, descriptor);
    }
}
