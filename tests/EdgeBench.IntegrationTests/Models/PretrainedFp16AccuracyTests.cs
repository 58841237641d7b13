using EdgeBench.Core;
using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;
using EdgeBench.Tests.Models;

namespace EdgeBench.IntegrationTests.Models;

public sealed class PretrainedFp16AccuracyTests : IDisposable
{
    private readonly string _models = Directory.CreateTempSubdirectory("edgebench-pretrained-").FullName;

    public void Dispose() => Directory.Delete(_models, recursive: true);

    /// <summary>
    /// The trained ResNet-18 is the one model whose fp16 loss means something: its 512-d features from the fp16
    /// conversion must point the same way as fp32's (cosine similarity >= 0.999) on every image of a generated set.
    /// </summary>
    [Fact]
    public void Fp16_features_stay_within_cosine_0_999_of_fp32()
    {
        var store = new ModelStore(_models);
        ModelDescriptor descriptor = store.Describe(ModelCatalog.ResNet18Pretrained);
        using var fp32 = new OrtRunner(store.Resolve(ModelCatalog.ResNet18Pretrained, Precision.Fp32).Path);
        using var fp16 = new OrtRunner(store.Resolve(ModelCatalog.ResNet18Pretrained, Precision.Fp16).Path);

        const int images = 8;
        float[] input = TestImages.NormalizedBatch(descriptor, images, seed: 42);
        long[] shape = descriptor.Input.WithBatch(images);
        float[] reference = fp32.Run(input, shape)[0].Values;
        float[] converted = fp16.Run(input, shape)[0].Values;

        for (int i = 0; i < images; i++)
        {
            double cosine = Cosine(reference.AsSpan(i * 512, 512), converted.AsSpan(i * 512, 512));
            Assert.True(cosine >= 0.999, $"image {i}: cosine similarity {cosine:F5} < 0.999");
        }
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
