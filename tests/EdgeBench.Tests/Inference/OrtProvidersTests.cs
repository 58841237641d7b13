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
}
