using EdgeBench.Core;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Tests.Inference;

/// <summary>
/// Provider start-up failures become reasons that name the missing piece. The messages are ONNX Runtime's (a
/// provider library that dlopen could not load) as the GPU package prints them on a machine without the libraries.
/// </summary>
public sealed class OrtProvidersTests
{
    public static TheoryData<string, string> LoaderMessages => new()
    {
        {
            "[ErrorCode:Fail] /app/libonnxruntime_providers_shared.so: Failed to load library /app/libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory",
            "libcudnn.so.9"
        },
        {
            "[ErrorCode:Fail] Failed to load library libonnxruntime_providers_tensorrt.so with error: libnvinfer.so.10: cannot open shared object file: No such file or directory",
            "libnvinfer.so.10"
        },
        {
            "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory",
            "libcublasLt.so.13"
        },
        {
            "/opt/app/libonnxruntime_providers_cuda.so: cannot open shared object file: No such file or directory",
            "libonnxruntime_providers_cuda.so"
        },
    };

    [Theory]
    [MemberData(nameof(LoaderMessages))]
    public void The_missing_library_is_read_from_the_loader_error(string message, string library)
    {
        Assert.Equal(library, OrtProviders.MissingLibrary(message));

        string reason = OrtProviders.Describe("TensorrtExecutionProvider", message);
        Assert.StartsWith("TensorrtExecutionProvider could not start: " + library + " is missing", reason, StringComparison.Ordinal);
        Assert.Contains("LD_LIBRARY_PATH", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("libnvinfer.so.10", "TensorRT 10")]
    [InlineData("libcudnn.so.9", "cuDNN 9")]
    [InlineData("libcublas.so.13", "cuBLAS of CUDA 13")]
    [InlineData("libcuda.so.1", "the NVIDIA driver")]
    public void Each_library_is_traced_to_what_provides_it(string library, string hint) =>
        Assert.Equal(hint, OrtProviders.LibraryHint(library));

    [Fact]
    public void Other_errors_keep_their_first_line()
    {
        const string message = "[ErrorCode:RuntimeException] CUDA failure 100: no CUDA-capable device is detected ; GPU=0\nstack trace line";

        Assert.Null(OrtProviders.MissingLibrary(message));
        Assert.Equal(
            "CUDAExecutionProvider could not start: [ErrorCode:RuntimeException] CUDA failure 100: no CUDA-capable device is detected ; GPU=0",
            OrtProviders.Describe("CUDAExecutionProvider", message));
    }

    [Fact]
    public void With_the_cpu_package_the_gpu_providers_are_unavailable_with_a_reason()
    {
        Assert.Null(OrtProviders.Unavailability(OrtExecutionProvider.Cpu));
        foreach (OrtExecutionProvider provider in (OrtExecutionProvider[])[OrtExecutionProvider.Cuda, OrtExecutionProvider.TensorRt])
        {
            string? reason = OrtProviders.Unavailability(provider);
            Assert.NotNull(reason);
            Assert.Contains(OrtProviders.NativeName(provider), reason, StringComparison.Ordinal);
            Assert.Contains("not in this ONNX Runtime build", reason, StringComparison.Ordinal);
            Assert.Contains("EdgeBenchGpu", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Gpu_backends_raise_ProviderUnavailable_before_touching_the_model_and_bound_io_refuses_the_cpu()
    {
        // A path that does not exist: the provider check comes first, so no file is read.
        var model = new ResolvedModel(
            ModelCatalog.Get(ModelCatalog.MobileNetV2Id), Precision.Fp32, Path.Combine(Path.GetTempPath(), "edgebench-absent.onnx"), ModelSource.Generated);

        var cuda = Assert.Throws<ProviderUnavailableException>(() => new OrtBackend(model, 1, new OrtBackendOptions { Provider = OrtExecutionProvider.Cuda }));
        Assert.Contains("CUDAExecutionProvider", cuda.Message, StringComparison.Ordinal);
        var bound = Assert.Throws<ProviderUnavailableException>(() => new OrtDeviceBoundBackend(model, 1, new OrtBackendOptions { Provider = OrtExecutionProvider.TensorRt }));
        Assert.Contains("TensorrtExecutionProvider", bound.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new OrtDeviceBoundBackend(model, 1, new OrtBackendOptions()));
    }

    [Fact]
    public void Cuda_options_are_parsed_sorted_and_applied_over_the_defaults_after_the_backend_values()
    {
        IReadOnlyDictionary<string, string> user = OrtProviders.ParseCudaOptions(" use_tf32=0 , prefer_nhwc=1,cudnn_conv_algo_search=HEURISTIC", "--cuda-options");
        Assert.Equal("cudnn_conv_algo_search=HEURISTIC,prefer_nhwc=1,use_tf32=0", OrtProviders.FormatCudaOptions(user));

        Dictionary<string, string> defaults = OrtProviders.CudaSettings(new OrtBackendOptions { Provider = OrtExecutionProvider.Cuda, DeviceId = 1 });
        Assert.Equal(new Dictionary<string, string> { ["device_id"] = "1", ["cudnn_conv_algo_search"] = "EXHAUSTIVE" }, defaults);

        Dictionary<string, string> settings = OrtProviders.CudaSettings(new OrtBackendOptions { Provider = OrtExecutionProvider.Cuda, CudaGraph = true, CudaOptions = user });
        Assert.Equal("HEURISTIC", settings["cudnn_conv_algo_search"]); // the user's value wins over EdgeBench's default
        Assert.Equal("1", settings["enable_cuda_graph"]);
        Assert.Equal("1", settings["prefer_nhwc"]);
        Assert.Equal("0", settings["use_tf32"]);
    }

    [Theory]
    [InlineData("nhwc=1", "'nhwc' is not a CUDA provider option EdgeBench passes on; expected key=value pairs of prefer_nhwc,")]
    [InlineData("enable_cuda_graph=1", "'enable_cuda_graph' is not a CUDA provider option EdgeBench passes on (the backend value and the runner set it")]
    [InlineData("device_id=1", "'device_id' is not a CUDA provider option EdgeBench passes on (the backend value")]
    [InlineData("prefer_nhwc", "'prefer_nhwc' has no value; expected key=value")]
    [InlineData("use_tf32=", "'use_tf32=' has no value; expected key=value")]
    [InlineData("use_tf32=1,use_tf32=0", "'use_tf32' is given twice")]
    public void A_bad_cuda_option_names_the_flag_the_key_and_what_is_accepted(string text, string message)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => OrtProviders.ParseCudaOptions(text, "--cuda-options"));
        Assert.StartsWith("--cuda-options: " + message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_cuda_options_is_an_empty_set()
    {
        Assert.Empty(OrtProviders.ParseCudaOptions("", "--cuda-options"));
        Assert.Equal(string.Empty, OrtProviders.FormatCudaOptions(new Dictionary<string, string>()));
    }
}
