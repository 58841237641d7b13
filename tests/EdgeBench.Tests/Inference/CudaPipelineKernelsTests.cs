using System.Text.RegularExpressions;
using EdgeBench.Core;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;
using Xunit;

namespace EdgeBench.Tests.Inference;

/// <summary>
/// What of the CUDA kernels path can be checked without a GPU: the embedded source and the kernels the host looks up
/// in it, and the clean refusals before any CUDA call. The kernels themselves are checked against the C# stages in
/// the benchmark's setup on a GPU (CudaKernelsCheck; results/gpu-*/.../cuda-kernels-check.txt).
/// </summary>
public sealed class CudaPipelineKernelsTests
{
    [Fact]
    public void Embedded_source_defines_every_kernel_the_host_launches_with_C_linkage()
    {
        string source = CudaPipelineKernels.Source();
        string host = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "EdgeBench.Inference.OnnxRuntime", "Cuda", "CudaPipelineKernels.cs"));
        string[] launched = Regex.Matches(host, "GetKernel\\(_library, \"([a-z0-9_]+)\"\\)").Select(m => m.Groups[1].Value).ToArray();
        var defined = new HashSet<string>(Regex.Matches(source, "extern \"C\" __global__ void (?:__launch_bounds__\\(\\w+\\)\\s+)?([a-z0-9_]+)\\(").Select(m => m.Groups[1].Value));
        // Two kernels per element type come from a macro: PREPROCESS(name, T) / SSD_SCORES(name, T) / YOLO_DECODE(name, T).
        defined.UnionWith(Regex.Matches(source, "^(?:PREPROCESS|SSD_SCORES|YOLO_DECODE)\\(([a-z0-9_]+),", RegexOptions.Multiline).Select(m => m.Groups[1].Value));

        Assert.Equal(10, launched.Length);
        Assert.All(launched, name => Assert.Contains(name, defined));
        // The arithmetic contract of the file: compiled without contraction, as the C# references compute.
        Assert.Contains("--fmad=false", host, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_CUDA_runtime_the_pipeline_refuses_with_the_library_named_before_touching_the_model()
    {
        if (CudaRuntime.IsLoadable)
        {
            return; // a machine with CUDA (never CI): the refusal under test is for machines without it
        }

        string? reason = CudaPipelineKernels.Unavailable();
        Assert.NotNull(reason);
        Assert.Contains("libcudart.so.13", reason, StringComparison.Ordinal);

        var model = new ResolvedModel(ModelCatalog.Get(ModelCatalog.Ssd300), Precision.Fp32, "/nonexistent/ssd300.onnx", ModelSource.Generated);
        var unavailable = Assert.Throws<ProviderUnavailableException>(() => new OrtCudaSsdPipeline(model, 1, 640, 480, new OrtBackendOptions { Provider = OrtExecutionProvider.Cuda }));
        Assert.Equal(reason, unavailable.Message);
    }

    [Fact]
    public void Pipeline_takes_the_CUDA_provider_and_an_SSD_only()
    {
        var ssd = new ResolvedModel(ModelCatalog.Get(ModelCatalog.Ssd300), Precision.Fp32, "/nonexistent/ssd300.onnx", ModelSource.Generated);
        var cpu = Assert.Throws<ArgumentException>(() => new OrtCudaSsdPipeline(ssd, 1, 640, 480, new OrtBackendOptions()));
        Assert.Contains("CUDA provider", cpu.Message, StringComparison.Ordinal);

        var classifier = ssd with { Descriptor = ModelCatalog.Get(ModelCatalog.MobileNetV2Id) };
        var notSsd = Assert.Throws<ArgumentException>(() => new OrtCudaSsdPipeline(classifier, 1, 640, 480, new OrtBackendOptions { Provider = OrtExecutionProvider.Cuda }));
        Assert.Contains("not an SSD", notSsd.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yolo_and_classifier_loops_take_the_CUDA_provider_and_their_own_family_only()
    {
        var yolo = new ResolvedModel(ModelCatalog.Get(ModelCatalog.TinyYoloV3), Precision.Fp32, "/nonexistent/tiny-yolov3.onnx", ModelSource.Generated);
        var cuda = new OrtBackendOptions { Provider = OrtExecutionProvider.Cuda };
        var cpu = Assert.Throws<ArgumentException>(() => new OrtCudaYoloPipeline(yolo, 1, 640, 480, new OrtBackendOptions()));
        Assert.Contains("CUDA provider", cpu.Message, StringComparison.Ordinal);

        var ssd = yolo with { Descriptor = ModelCatalog.Get(ModelCatalog.Ssd300) };
        var notYolo = Assert.Throws<ArgumentException>(() => new OrtCudaYoloPipeline(ssd, 1, 640, 480, cuda));
        Assert.Contains("not a YOLOv3-tiny", notYolo.Message, StringComparison.Ordinal);

        var notClassifier = Assert.Throws<ArgumentException>(() => new OrtCudaClassifierPipeline(yolo, 1, 640, 480, cuda));
        Assert.Contains("not a classifier", notClassifier.Message, StringComparison.Ordinal);

        if (!CudaRuntime.IsLoadable)
        {
            // Past the family checks, a machine without CUDA refuses with the library named, before the model is read.
            var unavailable = Assert.Throws<ProviderUnavailableException>(() => new OrtCudaYoloPipeline(yolo, 1, 640, 480, cuda));
            Assert.Equal(CudaPipelineKernels.Unavailable(), unavailable.Message);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EdgeBench.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EdgeBench.sln not found above the test binaries.");
    }
}
