using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeBench.Core;
using EdgeBench.Core.Inference;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Inference.TorchSharp;
using EdgeBench.Models.Zoo;
using Xunit.Abstractions;

namespace EdgeBench.IntegrationTests.TorchSharp;

/// <summary>
/// TorchSharpBackend against OrtBackend on the same generated file and the same input: the module graph must compute
/// the ONNX file's function. Tolerance: max |torch - ort| over an output ≤ 1e-4 × RMS(ort output) (observed 2e-6..5e-6 on AVX-512), i.e. the two agree
/// to float32 accumulation-order noise (different conv algorithms sum in different orders), far below any wiring
/// error (a wrong pad, stride or reshape changes outputs by O(RMS)).
/// </summary>
public sealed class TorchSharpBackendTests(TorchSharpModelsFixture models, ITestOutputHelper output) : IClassFixture<TorchSharpModelsFixture>
{
    private const double Fp32Tolerance = 1e-4;
    private const int Batch = 2;
    private const int Threads = 2;

    /// <summary>Where libtorch exists (linux-x64) it must load; elsewhere the backend's tests have nothing to run.</summary>
    internal static bool TorchSharpExpected()
    {
        bool expected = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;
        (bool available, string reason) = TorchSharpAvailability.Check();
        Assert.True(available || !expected, reason);
        return available;
    }

    [Theory]
    [InlineData(ModelCatalog.ResNet18)]
    [InlineData(ModelCatalog.MobileNetV2Id)]
    [InlineData(ModelCatalog.TinyYoloV3)]
    [InlineData(ModelCatalog.Ssd300)]
    [InlineData(ModelCatalog.ResNet50)]
    public void Fp32_outputs_agree_with_onnx_runtime(string id)
    {
        if (!TorchSharpExpected())
        {
            return;
        }

        ResolvedModel model = models.Store.Resolve(id, Precision.Fp32);
        using var ort = new OrtBackend(model, Batch, new OrtBackendOptions { IntraOpThreads = Threads });
        var build = Stopwatch.StartNew();
        using var torch = new TorchSharpBackend(model, Batch, new TorchSharpBackendOptions { Threads = Threads });
        build.Stop();
        Assert.Equal("torchsharp", torch.Backend);
        Assert.Equal("cpu", torch.ExecutionProvider);
        Assert.Equal(ort.Input.Shape, torch.Input.Shape);

        FillSeeded(ort.Input.AsFloat(), seed: 7);
        ort.Input.AsFloat().CopyTo(torch.Input.AsFloat());
        ort.Run();
        var run = Stopwatch.StartNew();
        torch.Run();
        run.Stop();

        Assert.Equal(ort.Outputs.Count, torch.Outputs.Count);
        for (int i = 0; i < ort.Outputs.Count; i++)
        {
            Assert.Equal(ort.Outputs[i].Name, torch.Outputs[i].Name);
            Assert.Equal(ort.Outputs[i].Shape, torch.Outputs[i].Shape);
            (double maxAbs, double rms) = Compare(torch.Outputs[i].AsFloat(), ort.Outputs[i].AsFloat());
            output.WriteLine($"{id} {torch.Outputs[i].Name}: max|diff| {maxAbs:G3}, rms {rms:G3}, ratio {maxAbs / rms:G3}; build {build.ElapsedMilliseconds} ms, first run {run.ElapsedMilliseconds} ms");
            Assert.True(rms > 0, $"{id} {torch.Outputs[i].Name}: ORT output is all zeros; the comparison would prove nothing");
            Assert.True(maxAbs <= Fp32Tolerance * rms, $"{id} {torch.Outputs[i].Name}: max|diff| {maxAbs:G3} > {Fp32Tolerance} x RMS {rms:G3}");
        }
    }

    /// <summary>
    /// fp16 runs on the CPU libtorch (half conv kernels exist) but slowly; its outputs match ORT's fp16 run of the same
    /// file to fp16 rounding: ≤ 1e-2 × RMS (observed ~3e-3; ORT fp16 vs ORT fp32 differs by ~2e-3 on its own).
    /// </summary>
    [Fact]
    public void Fp16_outputs_agree_with_onnx_runtime_fp16()
    {
        if (!TorchSharpExpected())
        {
            return;
        }

        ResolvedModel model = models.Store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp16);
        using var ort = new OrtBackend(model, Batch, new OrtBackendOptions { IntraOpThreads = Threads });
        using var torch = new TorchSharpBackend(model, Batch, new TorchSharpBackendOptions { Threads = Threads });
        Assert.Equal(Precision.Fp16, torch.Input.ElementType);
        Assert.Equal(Precision.Fp16, torch.Outputs[0].ElementType);
        var values = new float[ort.Input.ElementCount];
        FillSeeded(values, seed: 7);
        for (int i = 0; i < values.Length; i++)
        {
            ort.Input.AsHalf()[i] = (Half)values[i];
        }

        ort.Input.Bytes.CopyTo(torch.Input.Bytes);
        ort.Run();
        torch.Run();
        float[] expected = [.. ort.Outputs[0].AsHalf().ToArray().Select(h => (float)h)];
        float[] actual = [.. torch.Outputs[0].AsHalf().ToArray().Select(h => (float)h)];
        (double maxAbs, double rms) = Compare(actual, expected);
        output.WriteLine($"mobilenetv2 fp16: max|diff| {maxAbs:G3}, rms {rms:G3}, ratio {maxAbs / rms:G3}");
        Assert.True(maxAbs <= 1e-2 * rms, $"max|diff| {maxAbs:G3} > 1e-2 x RMS {rms:G3}");
    }

    [Fact]
    public void Input_is_read_from_the_host_buffer_at_each_run()
    {
        if (!TorchSharpExpected())
        {
            return;
        }

        ResolvedModel model = models.Store.Resolve(ModelCatalog.TinyYoloV3, Precision.Fp32);
        using var torch = new TorchSharpBackend(model, 1, new TorchSharpBackendOptions { Threads = Threads });
        Assert.Equal(Threads, global::TorchSharp.torch.get_num_threads());
        Assert.Contains("libtorch 2.10", TorchSharpBackend.RuntimeVersion, StringComparison.Ordinal);
        FillSeeded(torch.Input.AsFloat(), seed: 1);
        torch.Run();
        float[] first = torch.Outputs[0].AsFloat().ToArray();
        FillSeeded(torch.Input.AsFloat(), seed: 2);
        torch.Run();
        Assert.False(first.AsSpan().SequenceEqual(torch.Outputs[0].AsFloat()), "the second run ignored the new input");
        FillSeeded(torch.Input.AsFloat(), seed: 1);
        torch.Run();
        Assert.True(first.AsSpan().SequenceEqual(torch.Outputs[0].AsFloat()), "the same input gave a different output");
    }

    [Fact]
    public void Pretrained_resnet18_is_refused_with_a_reason()
    {
        if (!TorchSharpExpected())
        {
            return;
        }

        ResolvedModel model = models.Store.Resolve(ModelCatalog.ResNet18Pretrained, Precision.Fp32);
        NotSupportedException e = Assert.Throws<NotSupportedException>(() => new TorchSharpBackend(model, 1));
        Assert.Contains("CNTK", e.Message, StringComparison.Ordinal);
    }

    internal static void FillSeeded(Span<float> values, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }

    internal static (double MaxAbs, double Rms) Compare(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxAbs = 0;
        double sumSquares = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"NaN at {i}");
            maxAbs = Math.Max(maxAbs, Math.Abs((double)actual[i] - expected[i]));
            sumSquares += (double)expected[i] * expected[i];
        }

        return (maxAbs, Math.Sqrt(sumSquares / expected.Length));
    }
}
