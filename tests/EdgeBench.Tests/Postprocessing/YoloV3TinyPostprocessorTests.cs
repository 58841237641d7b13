using System.Numerics.Tensors;
using EdgeBench.Core.Detection;
using EdgeBench.Postprocessing;

namespace EdgeBench.Tests.Postprocessing;

public class YoloV3TinyPostprocessorTests
{
    private const int Coarse = 255 * 13 * 13;
    private const int Fine = 255 * 26 * 26;

    [Fact]
    public void Decodes_one_hand_built_box_with_darknet_formula()
    {
        var coarse = new float[Coarse];
        var fine = new float[Fine];
        coarse.AsSpan().Fill(-20f);
        fine.AsSpan().Fill(-20f);

        // Coarse head, anchor slot 1 (mask 3,4,5 → anchor 4 = 135×169 px), cell row 6, col 3; tx = ty = tw = th = 0.
        const int plane = 169;
        int a = 1;
        int cell = (6 * 13) + 3;
        int anchorBase = a * 85 * plane;
        for (int k = 0; k < 4; k++)
        {
            coarse[anchorBase + (k * plane) + cell] = 0f;
        }

        coarse[anchorBase + (4 * plane) + cell] = 3f;          // objectness
        coarse[anchorBase + ((5 + 2) * plane) + cell] = 2f;    // class 2 (car)

        var output = new List<Detection>();
        new YoloV3TinyPostprocessor().Process(coarse, fine, 1, output);

        Detection d = Assert.Single(output);
        Assert.Equal(2, d.ClassId);
        float x = (3 + 0.5f) / 13f;
        float y = (6 + 0.5f) / 13f;
        float w = 135f / 416f;
        float h = 169f / 416f;
        Assert.Equal(x - (w / 2), d.Box.Left, 1e-6f);
        Assert.Equal(y - (h / 2), d.Box.Top, 1e-6f);
        Assert.Equal(x + (w / 2), d.Box.Right, 1e-6f);
        Assert.Equal(y + (h / 2), d.Box.Bottom, 1e-6f);
        Assert.Equal(1f / (1f + MathF.Exp(-3f)) / (1f + MathF.Exp(-2f)), d.Score, 1e-6f);
    }

    [Fact]
    public void Fine_head_uses_mask_1_2_3()
    {
        var coarse = new float[Coarse];
        var fine = new float[Fine];
        coarse.AsSpan().Fill(-20f);
        fine.AsSpan().Fill(-20f);
        const int plane = 676;
        for (int k = 0; k < 4; k++)
        {
            fine[(k * plane) + 0] = 0f;                          // anchor slot 0 of the fine head, cell 0
        }

        fine[(4 * plane) + 0] = 5f;
        fine[(5 * plane) + 0] = 5f;
        var output = new List<Detection>();
        new YoloV3TinyPostprocessor().Process(coarse, fine, 1, output);
        Detection d = Assert.Single(output);
        Assert.Equal(23f / 416f, d.Box.Right - d.Box.Left, 1e-6f);    // anchor 1 = 23×27, not anchor 0 = 10×14
        Assert.Equal(27f / 416f, d.Box.Bottom - d.Box.Top, 1e-6f);
    }

    [Theory]
    [InlineData(40, 5, 1)]
    [InlineData(120, 12, 2)]
    [InlineData(300, 30, 3)]
    public void Fast_equals_naive_on_synthetic_outputs(int candidates, int objects, int seed)
    {
        const int batch = 2;
        var coarse = new float[batch * Coarse];
        var fine = new float[batch * Fine];
        SyntheticDetectionOutputs.FillYoloV3Tiny(coarse, fine, batch, candidates, objects, seed);

        var fast = new YoloV3TinyPostprocessor();
        var output = new List<Detection>();
        fast.Process(coarse, fine, batch, output);
        PostprocessingAssert.SameDetections(new YoloV3TinyPostprocessorReference().Process(coarse, fine, batch), output);
        Assert.Equal(SyntheticDetectionOutputs.CountYoloV3TinyCandidates(coarse, fine, batch), fast.LastCandidateCount);
        Assert.NotEmpty(output);
    }

    [Fact]
    public void Fp16_path_tracks_fp32()
    {
        var coarse = new float[Coarse];
        var fine = new float[Fine];
        SyntheticDetectionOutputs.FillYoloV3Tiny(coarse, fine, 1, 100, 10, 4);
        var coarseHalf = new Half[Coarse];
        var fineHalf = new Half[Fine];
        TensorPrimitives.ConvertToHalf(coarse, coarseHalf);
        TensorPrimitives.ConvertToHalf(fine, fineHalf);

        var fast = new YoloV3TinyPostprocessor();
        var full = new List<Detection>();
        var half = new List<Detection>();
        fast.Process(coarse, fine, 1, full);
        fast.Process(coarseHalf, fineHalf, 1, half);
        Assert.NotEmpty(full);
        foreach (Detection d in full.Where(d => d.Score > 0.4f))
        {
            Assert.Contains(half, h => h.ClassId == d.ClassId && h.Box.IoU(d.Box) > 0.98f && MathF.Abs(h.Score - d.Score) < 1e-2f);
        }
    }

    [Fact]
    public void Steady_state_is_allocation_free()
    {
        var coarse = new float[Coarse];
        var fine = new float[Fine];
        SyntheticDetectionOutputs.FillYoloV3Tiny(coarse, fine, 1, 150, 15, 8);
        var fast = new YoloV3TinyPostprocessor();
        var output = new List<Detection>(512);
        fast.Process(coarse, fine, 1, output);
        output.Clear();
        long before = GC.GetAllocatedBytesForCurrentThread();
        fast.Process(coarse, fine, 1, output);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
