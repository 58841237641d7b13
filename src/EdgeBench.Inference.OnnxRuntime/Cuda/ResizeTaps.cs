using EdgeBench.Preprocessing;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The bilinear tap tables the CUDA preprocess kernel reads: per output column (x0, x1, wx) and per output row
/// (y0, y1, wy), computed by <see cref="PreprocessReference.SourceCoordinate"/> in double, so the kernel's resize is the
/// C# reference's. Host arrays; each GPU pipeline uploads them once.
/// </summary>
internal static class ResizeTaps
{
    public static (int[] X0, int[] X1, float[] Wx, int[] Y0, int[] Y1, float[] Wy) Compute(int frameWidth, int frameHeight, int inputWidth, int inputHeight)
    {
        (int[] x0, int[] x1, float[] wx) = Axis(frameWidth, inputWidth);
        (int[] y0, int[] y1, float[] wy) = Axis(frameHeight, inputHeight);
        return (x0, x1, wx, y0, y1, wy);
    }

    private static (int[] I0, int[] I1, float[] Weight) Axis(int source, int destination)
    {
        var i0 = new int[destination];
        var i1 = new int[destination];
        var weight = new float[destination];
        double scale = (double)source / destination;
        for (int d = 0; d < destination; d++)
        {
            PreprocessReference.SourceCoordinate(d, scale, source, out i0[d], out i1[d], out weight[d]);
        }

        return (i0, i1, weight);
    }
}
