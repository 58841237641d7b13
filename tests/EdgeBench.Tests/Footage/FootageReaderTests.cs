using System.Diagnostics;
using EdgeBench.Footage;
using EdgeBench.Preprocessing;
using SkiaSharp;

namespace EdgeBench.Tests.Footage;

public sealed class FootageReaderTests : IDisposable
{
    private const int Width = 96;
    private const int Height = 64;

    private readonly string _dir = Directory.CreateTempSubdirectory("edgebench-footage-").FullName;
    private readonly SyntheticVideo _video = new(Width, Height, seed: 3);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Png_folder_decodes_exactly_in_file_name_order()
    {
        string folder = Folder("png");
        byte[][] source = [Render(0), Render(1), Render(2)];
        // Written out of order: the reader sorts by name.
        Encode(source[2], Path.Combine(folder, "0003.png"), SKEncodedImageFormat.Png);
        Encode(source[0], Path.Combine(folder, "0001.png"), SKEncodedImageFormat.Png);
        Encode(source[1], Path.Combine(folder, "0002.PNG"), SKEncodedImageFormat.Png);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image: left alone");

        DecodedFootage footage = FootageReader.Decode(folder, maxFrames: 8);

        Assert.Equal((FootageKind.Images, Width, Height, 3, true), (footage.Kind, footage.Width, footage.Height, footage.Frames.Count, footage.SourceEnded));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(source[i], footage.Frames[i]);
        }
    }

    [Fact]
    public void Jpeg_folder_decodes_within_jpeg_tolerance_and_in_order()
    {
        string folder = Folder("jpeg");
        var video = new SyntheticVideo(320, 240, seed: 3);
        byte[][] source = [video.RenderArray(0), video.RenderArray(30)];
        Encode(source[0], Path.Combine(folder, "a.jpg"), SKEncodedImageFormat.Jpeg, 240);
        Encode(source[1], Path.Combine(folder, "b.jpeg"), SKEncodedImageFormat.Jpeg, 240);

        DecodedFootage footage = FootageReader.Decode(folder, maxFrames: 8);

        Assert.Equal((320, 240, 2), (footage.Width, footage.Height, footage.Frames.Count));
        for (int i = 0; i < 2; i++)
        {
            // Quality 95 with 4:2:0 chroma on a frame with sensor noise: 1.9 levels on average. Each frame must
            // also be much closer to its own source than to the other one (order and content, not just the size).
            double own = MeanAbsoluteError(source[i], footage.Frames[i]);
            double other = MeanAbsoluteError(source[1 - i], footage.Frames[i]);
            Assert.True(own < 3.0, $"frame {i}: mean error {own:F2} levels");
            Assert.True(other > 2 * own, $"frame {i}: {own:F2} against its source, {other:F2} against the other");
        }
    }

    [Fact]
    public void A_single_image_is_one_frame_and_the_cap_limits_a_folder()
    {
        string folder = Folder("many");
        for (int i = 0; i < 5; i++)
        {
            Encode(Render(i), Path.Combine(folder, $"{i:D2}.png"), SKEncodedImageFormat.Png);
        }

        DecodedFootage capped = FootageReader.Decode(folder, maxFrames: 3);
        Assert.Equal((3, false), (capped.Frames.Count, capped.SourceEnded));
        Assert.Contains("3 frames decoded (capped)", capped.Description, StringComparison.Ordinal);

        DecodedFootage single = FootageReader.Decode(Path.Combine(folder, "04.png"), maxFrames: 3);
        Assert.Equal((1, true), (single.Frames.Count, single.SourceEnded));
        Assert.Equal(Render(4), single.Frames[0]);
    }

    [Fact]
    public void Images_of_another_size_are_refused_naming_the_first_mismatching_file()
    {
        string folder = Folder("sizes");
        Encode(Render(0), Path.Combine(folder, "1.png"), SKEncodedImageFormat.Png);
        Encode(new SyntheticVideo(Width, Height + 2, seed: 3).RenderArray(1), Path.Combine(folder, "2.png"), SKEncodedImageFormat.Png, Height + 2);
        Encode(new SyntheticVideo(Width + 2, Height, seed: 3).RenderArray(1), Path.Combine(folder, "3.png"), SKEncodedImageFormat.Png);

        var error = Assert.Throws<FootageException>(() => FootageReader.Decode(folder, 8));
        Assert.StartsWith(Path.Combine(folder, "2.png") + $": expected a {Width}x{Height} image like the first one (1.png), got {Width}x{Height + 2}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_or_corrupt_jpeg_is_refused_naming_the_file()
    {
        string folder = Folder("corrupt");
        string good = Path.Combine(folder, "0001.jpg");
        Encode(Render(0), good, SKEncodedImageFormat.Jpeg);
        byte[] jpeg = File.ReadAllBytes(good);
        string truncated = Path.Combine(folder, "0002.jpg");
        File.WriteAllBytes(truncated, jpeg[..(jpeg.Length / 2)]);

        var error = Assert.Throws<FootageException>(() => FootageReader.Decode(folder, 8));
        Assert.StartsWith($"{truncated}: expected a complete Jpeg image ({Width}x{Height}), but decoding stopped: the file is truncated", error.Message, StringComparison.Ordinal);

        string garbage = Path.Combine(_dir, "garbage.jpg");
        File.WriteAllBytes(garbage, [.. "not a jpeg at all"u8]);
        error = Assert.Throws<FootageException>(() => FootageReader.Decode(garbage, 8));
        Assert.StartsWith($"{garbage}: expected a JPEG or PNG image, but it cannot be decoded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Y4m_and_ppm_go_through_the_raw_reader_and_a_truncated_y4m_is_refused_naming_it()
    {
        // A 2x2 4:4:4 frame: Y=235 (white), U=V=128.
        string y4m = Path.Combine(_dir, "clip.y4m");
        File.WriteAllBytes(y4m, [.. "YUV4MPEG2 W2 H2 C444\nFRAME\n"u8, 235, 235, 235, 235, 128, 128, 128, 128, 128, 128, 128, 128]);
        DecodedFootage footage = FootageReader.Decode(y4m, 8);
        Assert.Equal((FootageKind.Y4m, 2, 2, 1), (footage.Kind, footage.Width, footage.Height, footage.Frames.Count));
        Assert.All(footage.Frames[0], b => Assert.Equal(255, b));

        string truncated = Path.Combine(_dir, "cut.y4m");
        File.WriteAllBytes(truncated, [.. "YUV4MPEG2 W2 H2 C444\nFRAME\n"u8, 235, 235, 235]);
        var error = Assert.Throws<FootageException>(() => FootageReader.Decode(truncated, 8));
        Assert.StartsWith($"{truncated}: frame 0 is truncated: expected 12 bytes", error.Message, StringComparison.Ordinal);

        string ppm = Folder("ppm");
        File.WriteAllBytes(Path.Combine(ppm, "0001.ppm"), [.. "P6 1 1 255\n"u8, 10, 20, 30]);
        Assert.Equal([10, 20, 30], FootageReader.Decode(ppm, 8).Frames[0]);
        Encode(Render(0), Path.Combine(ppm, "0002.png"), SKEncodedImageFormat.Png);
        error = Assert.Throws<FootageException>(() => FootageReader.Decode(ppm, 8));
        Assert.Equal($"{ppm}: holds both .ppm and .jpg/.png files; expected one kind of image per folder.", error.Message);
    }

    [Fact]
    public void Bad_paths_name_the_path_and_what_was_expected()
    {
        string missing = Path.Combine(_dir, "missing.mp4");
        Assert.StartsWith($"{missing}: not found; expected a .y4m or video file", Assert.Throws<FootageException>(() => FootageReader.Decode(missing, 8)).Message, StringComparison.Ordinal);

        string empty = Folder("empty");
        Assert.StartsWith($"{empty}: no .jpg, .jpeg, .png or .ppm files", Assert.Throws<FootageException>(() => FootageReader.Decode(empty, 8)).Message, StringComparison.Ordinal);

        string text = Path.Combine(_dir, "frames.txt");
        File.WriteAllText(text, "hello");
        Assert.StartsWith($"{text}: unsupported file type '.txt'; expected a .y4m or video file", Assert.Throws<FootageException>(() => FootageReader.Decode(text, 8)).Message, StringComparison.Ordinal);

        Assert.True(FootageReader.IsCamera("/dev/video0"));
        Assert.True(FootageReader.IsCamera("/dev/v4l/by-id/usb-cam-video-index0"));
        Assert.False(FootageReader.IsCamera("/tmp/video0"));
    }

    [Fact]
    public void Without_ffmpeg_the_error_names_the_package_to_install()
    {
        string video = Path.Combine(_dir, "clip.mp4");
        File.WriteAllBytes(video, [0, 0, 0, 0]);

        var error = Assert.Throws<FootageException>(() => FfmpegDecoder.Decode(video, FootageKind.Video, 8, executable: null));
        Assert.Equal($"{video}: decoding a video file needs the ffmpeg executable, which is not on PATH; install it (apt-get install ffmpeg) or set EDGEBENCH_FFMPEG to its full path.", error.Message);
        error = Assert.Throws<FootageException>(() => FfmpegDecoder.Decode("/dev/video9", FootageKind.Camera, 8, executable: null));
        Assert.StartsWith("/dev/video9: capturing from a camera needs the ffmpeg executable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_camera_is_opened_as_v4l2_and_every_source_is_capped_at_the_frames_asked_for()
    {
        Assert.Equal(
            ["-nostdin", "-hide_banner", "-v", "error", "-f", "v4l2", "-i", "/dev/video0", "-map", "0:v:0", "-frames:v", "16", "-f", "image2pipe", "-c:v", "ppm", "-pix_fmt", "rgb24", "-"],
            FfmpegDecoder.Arguments("/dev/video0", FootageKind.Camera, 16));
        Assert.Equal(
            ["-nostdin", "-hide_banner", "-v", "error", "-i", "/v/a.mkv", "-map", "0:v:0", "-frames:v", "8", "-f", "image2pipe", "-c:v", "ppm", "-pix_fmt", "rgb24", "-"],
            FfmpegDecoder.Arguments("/v/a.mkv", FootageKind.Video, 8));
    }

    [Fact]
    public void The_ppm_frame_stream_parser_reads_sizes_and_stops_at_a_clean_end()
    {
        using var stream = new MemoryStream([.. "P6\n2 1\n255\n"u8, 1, 2, 3, 4, 5, 6, .. "P6\n2 1\n255\n"u8, 7, 8, 9, 10, 11, 12]);
        Assert.Equal((2, 1), FfmpegDecoder.ReadPpmHeader(stream));
        stream.Position += 6;
        Assert.Equal((2, 1), FfmpegDecoder.ReadPpmHeader(stream));
        Assert.Equal(7, stream.ReadByte());
        stream.Position = stream.Length;
        Assert.Null(FfmpegDecoder.ReadPpmHeader(stream));

        using var bad = new MemoryStream([.. "P5\n2 1\n255\n"u8]);
        Assert.Contains("expected a 'P6 width height 255' frame header, got 'P5 2 1 255'", Assert.Throws<InvalidDataException>(() => FfmpegDecoder.ReadPpmHeader(bad)).Message, StringComparison.Ordinal);
        using var cut = new MemoryStream([.. "P6\n2"u8]);
        Assert.Throws<InvalidDataException>(() => FfmpegDecoder.ReadPpmHeader(cut));
    }

    [FfmpegFact]
    public void An_mp4_made_by_ffmpeg_reads_back_frame_for_frame()
    {
        string video = Path.Combine(_dir, "testsrc.mp4");
        Ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-frames:v", "10", "-pix_fmt", "yuv420p", video);
        // ffmpeg's own decode of frame 0 as PNG: the frame the pipe must deliver, byte for byte.
        string firstPng = Path.Combine(_dir, "first.png");
        Ffmpeg("-i", video, "-frames:v", "1", "-pix_fmt", "rgb24", firstPng);

        DecodedFootage footage = FootageReader.Decode(video, maxFrames: 16);

        Assert.Equal((FootageKind.Video, 320, 240, 10, true), (footage.Kind, footage.Width, footage.Height, footage.Frames.Count, footage.SourceEnded));
        Assert.Equal(ImageFolderDecoder.DecodeFile(firstPng).Rgb, footage.Frames[0]);
        // testsrc moves: consecutive frames differ.
        Assert.NotEqual(footage.Frames[0], footage.Frames[1]);
        Assert.Contains("video (ffmpeg) " + video + ": 320x240, 10 frames decoded", footage.Description, StringComparison.Ordinal);

        DecodedFootage capped = FootageReader.Decode(video, maxFrames: 4);
        Assert.Equal((4, false), (capped.Frames.Count, capped.SourceEnded));
        Assert.Equal(footage.Frames[3], capped.Frames[3]);
    }

    [FfmpegFact]
    public void A_video_ffmpeg_cannot_read_is_refused_with_ffmpegs_reason()
    {
        string video = Path.Combine(_dir, "broken.mkv");
        File.WriteAllBytes(video, [.. "this is not a matroska file"u8]);

        var error = Assert.Throws<FootageException>(() => FootageReader.Decode(video, 8));
        Assert.StartsWith($"{video}: ffmpeg cannot read it (exit code", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected a video file with a video stream ffmpeg decodes; ffmpeg: ", error.Message, StringComparison.Ordinal);
    }

    private static void Ffmpeg(params string[] arguments)
    {
        var start = new ProcessStartInfo(FfmpegDecoder.Locate()!) { RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["-nostdin", "-v", "error", "-y", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "ffmpeg did not finish in 60 s");
        Assert.True(process.ExitCode == 0, $"ffmpeg {string.Join(' ', arguments)}: {errors}");
    }

    private static double MeanAbsoluteError(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        long sum = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            sum += Math.Abs(expected[i] - actual[i]);
        }

        return (double)sum / expected.Length;
    }

    private byte[] Render(int frame) => _video.RenderArray(frame);

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    // RGB24 -> RGBA8888 -> encoded file through SkiaSharp (quality 95 for JPEG; PNG ignores it).
    private static void Encode(byte[] rgb, string path, SKEncodedImageFormat format, int height = Height)
    {
        int width = rgb.Length / 3 / height;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Span<byte> rgba = bitmap.GetPixelSpan();
        for (int p = 0, q = 0; q < rgb.Length; p += 4, q += 3)
        {
            (rgba[p], rgba[p + 1], rgba[p + 2], rgba[p + 3]) = (rgb[q], rgb[q + 1], rgb[q + 2], 255);
        }

        using SKData data = bitmap.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }
}

internal static class SyntheticVideoExtensions
{
    public static byte[] RenderArray(this SyntheticVideo video, int frame)
    {
        byte[] rgb = new byte[video.FrameBytes];
        video.Render(frame, rgb);
        return rgb;
    }
}
