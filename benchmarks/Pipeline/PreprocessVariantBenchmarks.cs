using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Preprocessing;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// The per-model preprocess variants a sidecar can ask for (NHWC layout, BGR channel order, letterbox resize, and all
/// three together), each against its scalar reference twin in the same case, so the ratio column says whether the
/// vectorized path keeps its speed-up outside the catalog models' NCHW RGB stretch (the first variant, for scale).
/// </summary>
/// <remarks>
/// A 640x480 synthetic frame (RGB24, as the pipeline's frame tensor holds it) into a 416x416 input: stretch resizes
/// both axes, letterbox resizes into 416x312 between 52-row bands, so both run the resize passes. No model, no
/// backend: the preprocess alone, into a batch-1 buffer of the precision's element type.
/// </remarks>
[BenchmarkCategory("preprocess-variants")]
public class PreprocessVariantBenchmarks
{
    private const int InputSize = 416;

    private Preprocessor? _preprocessor;
    private FrameBuffer _frame;
    private float[] _output = [];
    private Half[] _outputHalf = [];
    private TensorLayout _layout;
    private InputPreprocessing _preprocessing = InputPreprocessing.Default;

    /// <summary>Layout, channel order and resize mode, e.g. <c>nhwc-bgr-letterbox</c>.</summary>
    [ParamsSource(nameof(VariantValues))]
    public string Variant { get; set; } = "nchw-rgb-stretch";

    /// <summary>Every variant; none when --model picks models (this measures the kernels, not a model).</summary>
    public static IEnumerable<string> VariantValues => Infrastructure.RunSettings.FromEnvironment().Models.Count == 0
        ? ["nchw-rgb-stretch", "nhwc-rgb-stretch", "nchw-bgr-stretch", "nchw-rgb-letterbox", "nhwc-bgr-letterbox"]
        : [];

    /// <summary>Element type of the output.</summary>
    [Params("fp32", "fp16")]
    public string Precision { get; set; } = "fp32";

    [GlobalSetup]
    public void Setup()
    {
        Infrastructure.EdgeBenchmark.SkipIfInterrupted(this);
        string[] parts = Variant.Split('-');
        _layout = parts[0] == "nhwc" ? TensorLayout.Nhwc : TensorLayout.Nchw;
        _preprocessing = new InputPreprocessing(
            parts[1] == "bgr" ? ChannelOrder.Bgr : ChannelOrder.Rgb,
            parts[2] == "letterbox" ? ResizeMode.Letterbox : ResizeMode.Stretch);
        var video = new SyntheticVideo();
        _frame = video.RenderFrame(0, new byte[video.FrameBytes]);
        _preprocessor = new Preprocessor(video.Width, video.Height, InputSize, InputSize, Normalization.ZeroToOne, _layout, _preprocessing);
        _output = Precision == "fp32" ? new float[_preprocessor.ElementsPerItem] : [];
        _outputHalf = Precision == "fp16" ? new Half[_preprocessor.ElementsPerItem] : [];
    }

    /// <summary>The scalar reference twin: per output element, bilinear sample or pad, normalize, write at its index.</summary>
#pragma warning disable BDN1107 // one baseline per category (see PipelineBenchmarks.PreprocessScalarReference)
    [Benchmark(Baseline = true)]
#pragma warning restore BDN1107
    [Stage(Categories.Preprocess, "scalar-reference")]
    public int ScalarReference()
    {
        if (_outputHalf.Length > 0)
        {
            PreprocessReference.Run(_frame, InputSize, InputSize, Normalization.ZeroToOne, _outputHalf, 0, _layout, _preprocessing);
            return _outputHalf.Length;
        }

        PreprocessReference.Run(_frame, InputSize, InputSize, Normalization.ZeroToOne, _output, 0, _layout, _preprocessing);
        return _output.Length;
    }

    /// <summary>The vectorized preprocess of the same variant.</summary>
    [Benchmark]
    [Stage(Categories.Preprocess)]
    public int Vectorized()
    {
        Preprocessor preprocessor = _preprocessor!;
        if (_outputHalf.Length > 0)
        {
            preprocessor.Run(_frame, _outputHalf);
            return _outputHalf.Length;
        }

        preprocessor.Run(_frame, _output);
        return _output.Length;
    }
}
