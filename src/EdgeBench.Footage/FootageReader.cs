using EdgeBench.Core.Imaging;
using EdgeBench.Preprocessing;

namespace EdgeBench.Footage;

/// <summary>
/// Opens the user's own footage (<c>--frames</c>) and decodes up to a given number of frames into RGB24, all before
/// timing starts: a <c>.y4m</c> file; a folder of <c>.ppm</c> frames; a JPEG/PNG image or a folder of them
/// (SkiaSharp); any video file ffmpeg reads (<c>.mp4</c>, <c>.mkv</c>, <c>.avi</c>...); a V4L2 camera
/// (<c>/dev/video0</c>, through ffmpeg). Anything wrong is a <see cref="FootageException"/> naming the path and
/// what was expected.
/// </summary>
public static class FootageReader
{
    /// <summary>What <c>--frames</c> accepts, for option help and error messages.</summary>
    public const string Accepted =
        "a .y4m or video file (.mp4, .mkv, .avi, ... through ffmpeg), a JPEG/PNG image or a folder of .jpg/.png/.ppm images, or a camera (/dev/videoN, through ffmpeg)";

    /// <summary>Extensions handed to ffmpeg as video files (lower case, with the dot).</summary>
    public static IReadOnlySet<string> VideoExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".m2ts", ".mts", ".flv", ".wmv",
        ".ogv", ".3gp", ".mjpeg", ".mjpg", ".h264", ".264", ".h265", ".265", ".hevc", ".ivf", ".nut",
    };

    /// <summary>Decodes up to <paramref name="maxFrames"/> frames of <paramref name="path"/> (made absolute).</summary>
    public static DecodedFootage Decode(string path, int maxFrames)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrames);
        path = System.IO.Path.GetFullPath(path);
        if (IsCamera(path))
        {
            return File.Exists(path)
                ? FfmpegDecoder.Decode(path, FootageKind.Camera, maxFrames)
                : throw new FootageException($"{path}: camera not found; expected a V4L2 device such as /dev/video0 (ls /dev/video* lists them).");
        }

        if (Directory.Exists(path))
        {
            return DecodeFolder(path, maxFrames);
        }

        if (!File.Exists(path))
        {
            throw new FootageException($"{path}: not found; expected {Accepted}.");
        }

        string extension = System.IO.Path.GetExtension(path);
        if (extension.Equals(".y4m", StringComparison.OrdinalIgnoreCase))
        {
            return DecodeRaw(path, FootageKind.Y4m, maxFrames);
        }

        if (ImageFolderDecoder.Extensions.Contains(extension))
        {
            return ImageFolderDecoder.Decode(path, [path], maxFrames);
        }

        if (VideoExtensions.Contains(extension))
        {
            return FfmpegDecoder.Decode(path, FootageKind.Video, maxFrames);
        }

        throw new FootageException($"{path}: unsupported file type '{extension}'; expected {Accepted}.");
    }

    /// <summary>
    /// A device path: <c>/dev/video0</c>, or a stable link such as <c>/dev/v4l/by-id/usb-...-video-index0</c>; both
    /// are captured as V4L2 cameras.
    /// </summary>
    public static bool IsCamera(string path) =>
        path.StartsWith("/dev/", StringComparison.Ordinal) && !Directory.Exists(path);

    private static DecodedFootage DecodeFolder(string folder, int maxFrames)
    {
        bool hasPpm = Directory.EnumerateFiles(folder, "*.ppm").Any();
        string[] images = ImageFolderDecoder.ListImages(folder);
        if (hasPpm && images.Length > 0)
        {
            throw new FootageException($"{folder}: holds both .ppm and .jpg/.png files; expected one kind of image per folder.");
        }

        if (hasPpm)
        {
            return DecodeRaw(folder, FootageKind.PpmFolder, maxFrames);
        }

        return images.Length > 0
            ? ImageFolderDecoder.Decode(folder, images, maxFrames)
            : throw new FootageException($"{folder}: no .jpg, .jpeg, .png or .ppm files; expected a folder of images (one frame each, taken in file-name order).");
    }

    // RawFrameReader already validates .y4m and .ppm input (truncated frames, bad headers) with messages that start
    // with the file; they become FootageExceptions so callers catch one type.
    private static DecodedFootage DecodeRaw(string path, FootageKind kind, int maxFrames)
    {
        try
        {
            using RawFrameReader reader = kind == FootageKind.Y4m ? RawFrameReader.OpenY4m(path) : RawFrameReader.OpenPpmFolder(path);
            if (reader.Format != PixelFormat.Rgb24)
            {
                throw new FootageException($"{path}: expected RGB24 frames, got {reader.Format}.");
            }

            int count = Math.Min(maxFrames, reader.FrameCount);
            var frames = new byte[count][];
            for (int i = 0; i < count; i++)
            {
                frames[i] = new byte[reader.FrameBytes];
                reader.ReadFrame(i, frames[i]);
            }

            return new DecodedFootage(path, kind, reader.Width, reader.Height, frames, SourceEnded: reader.FrameCount <= maxFrames);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new FootageException(e.Message, e);
        }
    }
}
