using System.Text;
using EdgeBench.Core.Imaging;
using EdgeBench.Preprocessing;

namespace EdgeBench.Tests.Preprocessing;

public sealed class RawFrameReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgebench-frames-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reads_ppm_folder_in_name_order_with_comments_in_header()
    {
        byte[] first = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        byte[] second = [.. first.Select(b => (byte)(b + 100))];
        WritePpm("0002.ppm", "P6\n# a comment\n2 2\n255\n", second);
        WritePpm("0001.ppm", "P6 2 2 255 ", first);

        using RawFrameReader reader = RawFrameReader.Open(_dir);
        Assert.Equal((2, 2, 2, PixelFormat.Rgb24), (reader.Width, reader.Height, reader.FrameCount, reader.Format));
        var buffer = new byte[reader.FrameBytes];
        reader.ReadFrame(0, buffer);
        Assert.Equal(first, buffer);
        reader.ReadFrame(1, buffer);
        Assert.Equal(second, buffer);
        Assert.Equal(2, reader.AsFrame(buffer).Width);
    }

    [Fact]
    public void Ppm_errors_name_the_file_and_what_was_expected()
    {
        WritePpm("0001.ppm", "P6 2 1 255\n", new byte[6]);
        WritePpm("0002.ppm", "P3 2 1 255\n", new byte[6]);
        WritePpm("0003.ppm", "P6 2 1 65535\n", new byte[12]);
        WritePpm("0004.ppm", "P6 2 1 255\n", new byte[5]);
        WritePpm("0005.ppm", "P6 3 1 255\n", new byte[9]);
        WritePpm("0006.ppm", "P6 x 1 255\n", new byte[6]);

        using RawFrameReader reader = RawFrameReader.OpenPpmFolder(_dir);
        var buffer = new byte[reader.FrameBytes];
        reader.ReadFrame(0, buffer);

        AssertError(() => reader.ReadFrame(1, buffer), "0002.ppm: expected P6 header, got 'P3'");
        AssertError(() => reader.ReadFrame(2, buffer), "0003.ppm: expected maxval 255");
        AssertError(() => reader.ReadFrame(3, buffer), "0004.ppm: expected 6 pixel bytes");
        AssertError(() => reader.ReadFrame(4, buffer), "0005.ppm: expected a 2x1 image like the first file, got 3x1");
        AssertError(() => reader.ReadFrame(5, buffer), "0006.ppm: expected a positive width in the P6 header, got 'x'");
    }

    [Fact]
    public void Reads_raw_rgb_folder_of_given_size_and_rejects_wrong_lengths()
    {
        File.WriteAllBytes(Path.Combine(_dir, "a.rgb"), [9, 8, 7, 6, 5, 4]);
        File.WriteAllBytes(Path.Combine(_dir, "b.rgb"), [1, 2, 3]);

        using RawFrameReader reader = RawFrameReader.Open(_dir, 2, 1, PixelFormat.Bgr24);
        Assert.Equal(PixelFormat.Bgr24, reader.Format);
        var buffer = new byte[6];
        reader.ReadFrame(0, buffer);
        Assert.Equal([9, 8, 7, 6, 5, 4], buffer);
        AssertError(() => reader.ReadFrame(1, buffer), "b.rgb: expected 6 bytes (2x1 Bgr24), got 3");
    }

    [Fact]
    public void Reads_y4m_420_with_bt601_limited_range()
    {
        // 4x2 frame, 4:2:0: chroma planes are 2x1. Left half grey (U=V=128), right half pure red in BT.601
        // limited range (Y=81, U=90, V=240 -> about 255, 0, 0). Y=16 is black and Y=235 white.
        byte[] y = [16, 235, 81, 81, 16, 235, 81, 81];
        byte[] u = [128, 90];
        byte[] v = [128, 240];
        string path = WriteY4m("420jpeg", 4, 2, [.. y, .. u, .. v], [.. y, .. u, .. v]);

        using RawFrameReader reader = RawFrameReader.Open(path);
        Assert.Equal((4, 2, 2), (reader.Width, reader.Height, reader.FrameCount));
        var rgb = new byte[reader.FrameBytes];
        reader.ReadFrame(1, rgb);

        Assert.Equal([0, 0, 0], rgb[0..3]);
        Assert.Equal([255, 255, 255], rgb[3..6]);
        Assert.InRange(rgb[6], 250, 255);
        Assert.InRange(rgb[7], 0, 3);
        Assert.InRange(rgb[8], 0, 3);
        Assert.Equal(rgb[0..12], rgb[12..24]);
    }

    [Fact]
    public void Reads_y4m_444_and_frame_parameters()
    {
        byte[] y = [126, 126];
        byte[] u = [128, 128];
        byte[] v = [128, 128];
        string path = Path.Combine(_dir, "clip.y4m");
        File.WriteAllBytes(path, [.. "YUV4MPEG2 W2 H1 F30:1 Ip A1:1 C444 XYSCSS=444\nFRAME Ixyz\n"u8, .. y, .. u, .. v]);

        using RawFrameReader reader = RawFrameReader.OpenY4m(path);
        var rgb = new byte[6];
        reader.ReadFrame(0, rgb);

        // (126 - 16) * 1.164 = 128.0 for every channel.
        Assert.Equal([128, 128, 128, 128, 128, 128], rgb);
    }

    [Fact]
    public void Y4m_errors_name_the_file_and_what_was_expected()
    {
        AssertError(() => RawFrameReader.OpenY4m(WriteRaw("a.y4m", "YUV4MPEG W2 H2 C420\nFRAME\n"u8.ToArray())), "a.y4m: expected 'YUV4MPEG2' signature, got 'YUV4MPEG'");
        AssertError(() => RawFrameReader.OpenY4m(WriteRaw("b.y4m", "YUV4MPEG2 W2 H2 C422\nFRAME\n"u8.ToArray())), "b.y4m: expected chroma C420, C420jpeg, C420mpeg2, C420paldv or C444 (8-bit), got 'C422'");
        AssertError(() => RawFrameReader.OpenY4m(WriteRaw("c.y4m", "YUV4MPEG2 W2 C420\nFRAME\n"u8.ToArray())), "c.y4m: expected W<width> and H<height>");
        AssertError(() => RawFrameReader.OpenY4m(WriteRaw("d.y4m", [.. "YUV4MPEG2 W2 H2 C420\nFRAME\n"u8, 1, 2, 3])), "d.y4m: frame 0 is truncated: expected 6 bytes");
        AssertError(() => RawFrameReader.OpenY4m(WriteRaw("e.y4m", [.. "YUV4MPEG2 W2 H2 C420\nFRAME\n"u8, 1, 2, 3, 4, 5, 6, .. "FRAMX\n"u8])), "e.y4m: expected 'FRAME' at byte 33 (frame 1), got 'FRAMX'");
        AssertError(() => RawFrameReader.OpenY4m(WriteRaw("f.y4m", "YUV4MPEG2 W2 H2\n"u8.ToArray())), "f.y4m: expected at least one FRAME");
    }

    [Fact]
    public void Missing_or_empty_folders_are_reported()
    {
        string missing = Path.Combine(_dir, "nope");
        Assert.Throws<DirectoryNotFoundException>(() => RawFrameReader.OpenPpmFolder(missing));
        AssertError(() => RawFrameReader.OpenPpmFolder(_dir), "expected .ppm files, found none");
        AssertError(() => RawFrameReader.Open(WriteRaw("single.ppm", [1])), "single.ppm: expected a .y4m file or a folder of .ppm/.rgb frames, got a .ppm file");
        Assert.Throws<DirectoryNotFoundException>(() => RawFrameReader.Open(missing));
    }

    private static void AssertError(Action action, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(action);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private void WritePpm(string name, string header, byte[] pixels) =>
        File.WriteAllBytes(Path.Combine(_dir, name), [.. Encoding.ASCII.GetBytes(header), .. pixels]);

    private string WriteRaw(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string WriteY4m(string chroma, int width, int height, params byte[][] frames)
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes($"YUV4MPEG2 W{width} H{height} F25:1 C{chroma}\n"));
        foreach (byte[] frame in frames)
        {
            bytes.AddRange("FRAME\n"u8.ToArray());
            bytes.AddRange(frame);
        }

        return WriteRaw("clip.y4m", [.. bytes]);
    }
}
