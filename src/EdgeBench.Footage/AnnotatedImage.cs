using EdgeBench.Core.Detection;
using SkiaSharp;

namespace EdgeBench.Footage;

/// <summary>A box to draw, in the frame's own pixels, with its label (e.g. <c>person 0.87</c>).</summary>
public readonly record struct Annotation(BoundingBox Box, int ClassId, string Label);

/// <summary>
/// A frame with its detections drawn on it, written as PNG with SkiaSharp: what a person looks at to see whether a
/// model and its sidecar are right before trusting any timing. Lives beside the decoders because it is the same
/// library on the same RGB24 frames.
/// </summary>
public static class AnnotatedImage
{
    // Distinct, saturated colours, picked by class id so one class keeps its colour across frames.
    private static readonly SKColor[] s_palette =
    [
        new(0xE6, 0x19, 0x4B), new(0x3C, 0xB4, 0x4B), new(0xFF, 0xE1, 0x19), new(0x43, 0x63, 0xD8), new(0xF5, 0x82, 0x31),
        new(0x91, 0x1E, 0xB4), new(0x46, 0xF0, 0xF0), new(0xF0, 0x32, 0xE6), new(0xBC, 0xF6, 0x0C), new(0xFA, 0xBE, 0xBE),
    ];

    /// <summary>
    /// Writes <paramref name="rgb"/> (packed RGB24, <paramref name="width"/> x <paramref name="height"/>) with each
    /// annotation's box and label to <paramref name="path"/> (through a temporary file, so no half-written PNG is
    /// left). Labels need a font: on a machine with none the boxes are still drawn.
    /// </summary>
    public static void WritePng(string path, byte[] rgb, int width, int height, IEnumerable<Annotation> annotations)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(annotations);
        if (rgb.Length != width * height * 3)
        {
            throw new ArgumentException($"Expected {width}x{height}x3 = {width * height * 3} bytes of RGB24, got {rgb.Length}.", nameof(rgb));
        }

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        Span<byte> rgba = bitmap.GetPixelSpan();
        for (int p = 0, q = 0; q < rgb.Length; p += 4, q += 3)
        {
            rgba[p] = rgb[q];
            rgba[p + 1] = rgb[q + 1];
            rgba[p + 2] = rgb[q + 2];
            rgba[p + 3] = 255;
        }

        float stroke = Math.Max(2f, Math.Min(width, height) / 300f);
        using (var canvas = new SKCanvas(bitmap))
        using (var boxPaint = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true })
        using (var fillPaint = new SKPaint { Style = SKPaintStyle.Fill })
        using (var textPaint = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        using (var font = new SKFont(SKTypeface.Default, Math.Max(12f, stroke * 6f)))
        {
            foreach (Annotation annotation in annotations)
            {
                SKColor colour = s_palette[(int)((uint)annotation.ClassId % (uint)s_palette.Length)];
                BoundingBox b = annotation.Box;
                boxPaint.Color = colour;
                canvas.DrawRect(SKRect.Create(b.Left, b.Top, b.Right - b.Left, b.Bottom - b.Top), boxPaint);
                float textWidth = font.MeasureText(annotation.Label);
                float top = Math.Max(0f, b.Top - font.Size - 2f);
                fillPaint.Color = colour;
                canvas.DrawRect(SKRect.Create(b.Left, top, textWidth + 4f, font.Size + 2f), fillPaint);
                canvas.DrawText(annotation.Label, b.Left + 2f, top + font.Size - 1f, SKTextAlign.Left, font, textPaint);
            }
        }

        string temporary = path + ".tmp";
        using (SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100))
        using (FileStream file = File.Create(temporary))
        {
            png.SaveTo(file);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
