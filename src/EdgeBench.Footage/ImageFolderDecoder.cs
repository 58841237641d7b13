using SkiaSharp;

namespace EdgeBench.Footage;

/// <summary>
/// JPEG and PNG images decoded with SkiaSharp (libjpeg-turbo and libpng inside Skia), one frame per file in ordinal
/// file-name order (zero-pad the numbers: <c>0001.jpg</c>, <c>0002.jpg</c>...).
/// </summary>
/// <remarks>
/// <para>
/// Every image must have the size of the first: a file of another size is refused, naming it, rather than resized.
/// A benchmark times the preprocess of the frames it is given, so a silent resample would time a resolution the user
/// never chose (and the .ppm folder reader refuses the same way).
/// </para>
/// <para>
/// Pixels are decoded as stored: no colour-space conversion (Skia converts only when asked for a target colour
/// space), alpha dropped without compositing, EXIF orientation not applied (a camera delivers its frames unrotated).
/// A file Skia cannot decode completely (truncated or corrupt data, <see cref="SKCodecResult.IncompleteInput"/>
/// included, where Skia would fill the missing rows with grey) is refused, naming it.
/// </para>
/// </remarks>
internal static class ImageFolderDecoder
{
    /// <summary>Image extensions taken from a folder (anything else there is left alone).</summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png" };

    /// <summary>The folder's .jpg/.jpeg/.png files in ordinal name order.</summary>
    public static string[] ListImages(string folder)
    {
        string[] files = Directory.EnumerateFiles(folder).Where(f => Extensions.Contains(Path.GetExtension(f))).ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>Decodes the first <paramref name="maxFrames"/> of <paramref name="files"/> (all of one size).</summary>
    public static DecodedFootage Decode(string source, IReadOnlyList<string> files, int maxFrames)
    {
        int count = Math.Min(maxFrames, files.Count);
        var frames = new byte[count][];
        int width = 0, height = 0;
        for (int i = 0; i < count; i++)
        {
            (int w, int h, byte[] rgb) = DecodeFile(files[i]);
            if (i == 0)
            {
                (width, height) = (w, h);
            }
            else if (w != width || h != height)
            {
                throw new FootageException($"{files[i]}: expected a {width}x{height} image like the first one ({Path.GetFileName(files[0])}), got {w}x{h}; "
                    + "resize the images to one size (frames are not resampled).");
            }

            frames[i] = rgb;
        }

        return new DecodedFootage(source, FootageKind.Images, width, height, frames, SourceEnded: files.Count <= maxFrames);
    }

    /// <summary>One image as packed RGB24.</summary>
    internal static (int Width, int Height, byte[] Rgb) DecodeFile(string file)
    {
        if (!File.Exists(file))
        {
            throw new FootageException($"{file}: not found; expected a JPEG or PNG image.");
        }

        using SKCodec? codec = SKCodec.Create(file, out SKCodecResult openResult);
        if (codec is null)
        {
            throw new FootageException($"{file}: expected a JPEG or PNG image, but it cannot be decoded ({Explain(openResult)}).");
        }

        SKImageInfo source = codec.Info;
        if (source.Width <= 0 || source.Height <= 0)
        {
            throw new FootageException($"{file}: expected an image with pixels, got {source.Width}x{source.Height}.");
        }

        // RGBA8888 unpremultiplied: Skia has no 3-byte colour type, and unpremultiplied keeps the colour of
        // translucent PNG pixels as stored.
        var info = new SKImageInfo(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        byte[] rgba = new byte[info.BytesSize];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* pixels = rgba)
            {
                result = codec.GetPixels(info, (IntPtr)pixels);
            }
        }

        if (result != SKCodecResult.Success)
        {
            throw new FootageException($"{file}: expected a complete {codec.EncodedFormat} image ({source.Width}x{source.Height}), but decoding stopped: {Explain(result)}.");
        }

        byte[] rgb = new byte[source.Width * source.Height * 3];
        for (int p = 0, q = 0; p < rgba.Length; p += 4, q += 3)
        {
            rgb[q] = rgba[p];
            rgb[q + 1] = rgba[p + 1];
            rgb[q + 2] = rgba[p + 2];
        }

        return (source.Width, source.Height, rgb);
    }

    private static string Explain(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated",
        SKCodecResult.ErrorInInput => "the data is corrupt",
        SKCodecResult.InvalidInput or SKCodecResult.Unimplemented => "not a JPEG or PNG stream Skia can read",
        _ => result.ToString(),
    };
}
