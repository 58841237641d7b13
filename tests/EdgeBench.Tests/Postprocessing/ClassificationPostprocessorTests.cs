using System.Numerics.Tensors;
using EdgeBench.Postprocessing;

namespace EdgeBench.Tests.Postprocessing;

public class ClassificationPostprocessorTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 2)]
    [InlineData(8, 3)]
    public void Fast_equals_naive(int batch, int seed)
    {
        var logits = new float[batch * 1000];
        SyntheticDetectionOutputs.FillClassification(logits, batch, seed);
        var fast = new ClassificationPostprocessor();
        var top = new ClassScore[batch * 5];
        Assert.Equal(batch * 5, fast.Process(logits, batch, top));

        List<ClassScore> expected = ClassificationPostprocessorReference.Process(logits, batch, 5);
        Assert.Equal(expected.Count, top.Length);
        for (int i = 0; i < top.Length; i++)
        {
            Assert.Equal(expected[i].ClassId, top[i].ClassId);
            Assert.Equal(expected[i].Probability, top[i].Probability, 1e-5f);
        }
    }

    [Fact]
    public void Hand_checked_softmax_and_tie_order()
    {
        float[] logits = [0f, 2f, 2f, -1f, 1f, 0f, 3f];
        var top = new ClassScore[5];
        new ClassificationPostprocessor().Process(logits, 1, top);
        float sum = logits.Sum(MathF.Exp);
        Assert.Equal([6, 1, 2, 4, 0], top.Select(t => t.ClassId));
        Assert.Equal(MathF.Exp(3f) / sum, top[0].Probability, 1e-6f);
    }

    [Fact]
    public void Large_logits_do_not_overflow_and_fp16_tracks_fp32()
    {
        float[] logits = [500f, 499f, 0f, -3f, 10f, 12f];
        var top = new ClassScore[5];
        new ClassificationPostprocessor().Process(logits, 1, top);
        Assert.Equal(0, top[0].ClassId);
        Assert.Equal(1f / (1f + MathF.Exp(-1f)), top[0].Probability, 1e-5f);

        var half = new Half[logits.Length];
        TensorPrimitives.ConvertToHalf(logits, half);
        var topHalf = new ClassScore[5];
        new ClassificationPostprocessor().Process(half, 1, topHalf);
        Assert.Equal(top.Select(t => t.ClassId), topHalf.Select(t => t.ClassId));
    }

    [Fact]
    public void Fewer_classes_than_k_returns_all()
    {
        var top = new ClassScore[3];
        Assert.Equal(3, new ClassificationPostprocessor().Process([1f, 3f, 2f], 1, top));
        Assert.Equal([1, 2, 0], top.Select(t => t.ClassId));
    }
}
