namespace EdgeBench.Footage;

/// <summary>One decoded frame of an input and what to call it in a report.</summary>
/// <param name="Name">The image's file name, or <c>frame-000042</c> for frame 42 of a video, .y4m or camera.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Rgb">Packed RGB24 pixels.</param>
public sealed record SourceFrame(string Name, int Width, int Height, byte[] Rgb);

/// <summary>
/// The frames of an input one by one, for tools that look at each frame (the <c>detect</c> verb) rather than time a
/// ring of them: a folder's images may differ in size here (each is decoded as it is reached and keeps its own name),
/// which the benchmark's frame ring refuses. A video, .y4m or camera is decoded whole first (up to the cap), as the
/// benchmarks decode it: the cap bounds the memory.
/// </summary>
public static class SourceFrames
{
    /// <summary>
    /// Up to <paramref name="maxFrames"/> frames of <paramref name="path"/>: an image, a folder of images (file-name
    /// order), or anything <see cref="FootageReader.Decode"/> takes. Errors are <see cref="FootageException"/>s naming
    /// the file, raised before the first frame is returned for every input but an image folder, whose files are
    /// decoded as they are reached.
    /// </summary>
    public static IEnumerable<SourceFrame> Read(string path, int maxFrames)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrames);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full) && ImageFolderDecoder.ListImages(full) is { Length: > 0 } images && !Directory.EnumerateFiles(full, "*.ppm").Any())
        {
            return ReadImages(images.Take(maxFrames).ToArray());
        }

        DecodedFootage footage = FootageReader.Decode(full, maxFrames);
        bool oneImage = footage.Kind == FootageKind.Images && File.Exists(full);
        return footage.Frames.Select((rgb, i) => new SourceFrame(
            oneImage ? Path.GetFileName(full) : $"frame-{i:D6}", footage.Width, footage.Height, rgb)).ToArray();
    }

    private static IEnumerable<SourceFrame> ReadImages(string[] files)
    {
        foreach (string file in files)
        {
            (int width, int height, byte[] rgb) = ImageFolderDecoder.DecodeFile(file);
            yield return new SourceFrame(Path.GetFileName(file), width, height, rgb);
        }
    }
}
