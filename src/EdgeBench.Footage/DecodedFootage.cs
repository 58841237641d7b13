namespace EdgeBench.Footage;

/// <summary>What kind of source a footage path names.</summary>
public enum FootageKind
{
    /// <summary>A YUV4MPEG2 (.y4m) file, read by EdgeBench.Preprocessing's RawFrameReader.</summary>
    Y4m,

    /// <summary>A folder of binary PPM (P6) frames, read by RawFrameReader.</summary>
    PpmFolder,

    /// <summary>A JPEG or PNG image, or a folder of them, decoded with SkiaSharp.</summary>
    Images,

    /// <summary>A video file decoded by the ffmpeg executable.</summary>
    Video,

    /// <summary>A V4L2 camera (/dev/videoN) captured by the ffmpeg executable.</summary>
    Camera,
}

/// <summary>
/// Footage decoded once, before any timing: packed RGB24 frames of one size, in source order.
/// </summary>
/// <param name="Path">The absolute path it came from (file, folder or device).</param>
/// <param name="Kind">What the path is.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="Frames">RGB24 frames, <c>Width * Height * 3</c> bytes each; at most the cap the caller asked for.</param>
/// <param name="SourceEnded">True when the source had no more frames than these (a cap that was not reached), so
/// asking again for more frames would give the same ones.</param>
public sealed record DecodedFootage(string Path, FootageKind Kind, int Width, int Height, IReadOnlyList<byte[]> Frames, bool SourceEnded)
{
    /// <summary>One line for environment.json and the console: kind, path, size and how many frames were decoded.</summary>
    public string Description =>
        $"{KindName(Kind)} {Path}: {Width}x{Height}, {Frames.Count} frame{(Frames.Count == 1 ? "" : "s")} decoded{(SourceEnded ? "" : " (capped)")}";

    private static string KindName(FootageKind kind) => kind switch
    {
        FootageKind.Y4m => "y4m",
        FootageKind.PpmFolder => "ppm folder",
        FootageKind.Images => "images",
        FootageKind.Video => "video (ffmpeg)",
        _ => "camera (ffmpeg v4l2)",
    };
}

/// <summary>
/// Footage that cannot be used: the message starts with the file, folder or device and says what was expected, so
/// the program can print it as it is, before any case runs.
/// </summary>
public sealed class FootageException : Exception
{
    public FootageException()
    {
    }

    public FootageException(string message)
        : base(message)
    {
    }

    public FootageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
