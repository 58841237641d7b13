using EdgeBench.Core.Models;

namespace EdgeBench.IntegrationTests.Models;

/// <summary>
/// Seeded scene-like RGB images (a gradient background with a few filled rectangles), normalized for a model.
/// Smooth regions and edges, rather than noise, keep the pretrained network in the regime it was trained for.
/// </summary>
internal static class TestImages
{
    public static float[] NormalizedBatch(ModelDescriptor descriptor, int batch, int seed)
    {
        int h = descriptor.InputHeight, w = descriptor.InputWidth, plane = h * w;
        var data = new float[batch * 3 * plane];
        for (int n = 0; n < batch; n++)
        {
            byte[] rgb = Render(w, h, seed * 1000 + n);
            for (int c = 0; c < 3; c++)
            {
                (float scale, float offset) = descriptor.Normalization.Affine(c);
                for (int p = 0; p < plane; p++)
                {
                    data[(((n * 3) + c) * plane) + p] = (rgb[(p * 3) + c] * scale) + offset;
                }
            }
        }

        return data;
    }

    /// <summary>Interleaved RGB24.</summary>
    public static byte[] Render(int width, int height, int seed)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        int[] from = [random.Next(256), random.Next(256), random.Next(256)];
        int[] to = [random.Next(256), random.Next(256), random.Next(256)];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                float t = (x + y) / (float)(width + height);
                for (int c = 0; c < 3; c++)
                {
                    rgb[(((y * width) + x) * 3) + c] = (byte)(from[c] + ((to[c] - from[c]) * t));
                }
            }
        }

        for (int r = 0; r < 6; r++)
        {
            int x0 = random.Next(width), y0 = random.Next(height);
            int x1 = Math.Min(width, x0 + 8 + random.Next(width / 2)), y1 = Math.Min(height, y0 + 8 + random.Next(height / 2));
            byte[] color = [(byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)];
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    color.CopyTo(rgb, ((y * width) + x) * 3);
                }
            }
        }

        return rgb;
    }
}
