using System.Globalization;
using System.Text;
using EdgeBench.Core.Imaging;
using Microsoft.Win32.SafeHandles;

namespace EdgeBench.Preprocessing;

/// <summary>
/// Reads a user's own footage as packed RGB24/BGR24 frames: a folder of binary PPM files (P6, maxval 255), a folder of
/// headerless <c>.rgb</c> files of a size the caller gives, or one YUV4MPEG2 (<c>.y4m</c>) file.
/// </summary>
/// <remarks>
/// <para>Folder files are taken in ordinal file-name order (zero-pad the numbers: <c>0001.ppm</c>, <c>0002.ppm</c>...).</para>
/// <para>
/// Y4M: chroma <c>C420</c>, <c>C420jpeg</c>, <c>C420mpeg2</c>, <c>C420paldv</c> (all 8-bit 4:2:0; the suffix only moves
/// the chroma sample position, which this reader ignores: each chroma sample covers its 2x2 luma block) and <c>C444</c>.
/// A header without <c>C</c> means <c>C420jpeg</c>, as the format defines. YUV is converted to RGB24 with BT.601
/// limited range (Y 16..235, Cb/Cr 16..240), the usual matrix for SD camera and y4m test footage:
/// <c>R = 1.164 (Y-16) + 1.596 (V-128)</c>, <c>G = 1.164 (Y-16) - 0.392 (U-128) - 0.813 (V-128)</c>,
/// <c>B = 1.164 (Y-16) + 2.017 (U-128)</c>, in 8.8 fixed point, rounded and clamped to 0..255.
/// </para>
/// <para>Malformed input throws <see cref="InvalidDataException"/> whose message starts with the file path and says what was expected.</para>
/// </remarks>
public sealed class RawFrameReader : IDisposable
{
    // A PPM header ("P6 <w> <h> 255\n", plus comments) or a Y4M stream/frame header longer than this is rejected.
    private const int MaxHeaderBytes = 4096;

    private readonly SourceKind _kind;
    private readonly string[] _files;
    private readonly SafeFileHandle? _video;
    private readonly string _path;
    private readonly long[] _frameOffsets;
    private readonly bool _chroma444;
    private readonly byte[] _yuv;

    private RawFrameReader(SourceKind kind, string path, string[] files, int width, int height, PixelFormat format, SafeFileHandle? video, long[] frameOffsets, bool chroma444)
    {
        _kind = kind;
        _path = path;
        _files = files;
        Width = width;
        Height = height;
        Format = format;
        _video = video;
        _frameOffsets = frameOffsets;
        _chroma444 = chroma444;
        _yuv = video is null ? [] : new byte[YuvFrameBytes(width, height, chroma444)];
    }

    private enum SourceKind
    {
        PpmFolder,
        RawFolder,
        Y4m,
    }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>Pixel format of the frames this reader produces (RGB24 except for <c>.rgb</c> folders declared BGR24).</summary>
    public PixelFormat Format { get; }

    /// <summary>Number of frames available.</summary>
    public int FrameCount => _kind == SourceKind.Y4m ? _frameOffsets.Length : _files.Length;

    /// <summary>Bytes of one packed frame: <c>Width * Height * 3</c>.</summary>
    public int FrameBytes => Width * Height * FrameBuffer.BytesPerPixel;

    /// <summary>
    /// Opens <paramref name="path"/>: a <c>.y4m</c> file; or a folder of <c>.ppm</c> files; or, when
    /// <paramref name="width"/> and <paramref name="height"/> are given, a folder of <c>.rgb</c> files.
    /// </summary>
    public static RawFrameReader Open(string path, int width = 0, int height = 0, PixelFormat rawFormat = PixelFormat.Rgb24)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            if (!path.EndsWith(".y4m", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{path}: expected a .y4m file or a folder of .ppm/.rgb frames, got a {Path.GetExtension(path)} file.");
            }

            return OpenY4m(path);
        }

        if (Directory.Exists(path) && Directory.EnumerateFiles(path, "*.ppm").Any())
        {
            return OpenPpmFolder(path);
        }

        if (width > 0 && height > 0)
        {
            return OpenRawFolder(path, width, height, rawFormat);
        }

        throw new DirectoryNotFoundException($"{path}: expected a .y4m file, a folder of .ppm files, or a folder of .rgb files with the frame size given.");
    }

    /// <summary>Opens a folder of binary PPM (P6, maxval 255) files; all must have the size of the first.</summary>
    public static RawFrameReader OpenPpmFolder(string folder)
    {
        string[] files = ListFiles(folder, ".ppm");
        using SafeFileHandle handle = File.OpenHandle(files[0]);
        (int width, int height, _) = ReadPpmHeader(handle, files[0]);
        return new RawFrameReader(SourceKind.PpmFolder, folder, files, width, height, PixelFormat.Rgb24, null, [], false);
    }

    /// <summary>Opens a folder of headerless <c>.rgb</c> files, each exactly <c>width * height * 3</c> bytes.</summary>
    public static RawFrameReader OpenRawFolder(string folder, int width, int height, PixelFormat format = PixelFormat.Rgb24)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        string[] files = ListFiles(folder, ".rgb");
        return new RawFrameReader(SourceKind.RawFolder, folder, files, width, height, format, null, [], false);
    }

    /// <summary>Opens a YUV4MPEG2 file and indexes its frames (the file stays open until <see cref="Dispose"/>).</summary>
    public static RawFrameReader OpenY4m(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafeFileHandle handle = File.OpenHandle(path);
        try
        {
            (int width, int height, bool chroma444, long[] offsets) = IndexY4m(handle, path);
            return new RawFrameReader(SourceKind.Y4m, path, [], width, height, PixelFormat.Rgb24, handle, offsets, chroma444);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Describes <paramref name="pixels"/> (one frame read by this reader) as a packed <see cref="FrameBuffer"/>.</summary>
    public FrameBuffer AsFrame(ReadOnlyMemory<byte> pixels) => FrameBuffer.Packed(Width, Height, Format, pixels[..FrameBytes]);

    /// <summary>Reads frame <paramref name="index"/> into <paramref name="destination"/> as packed pixels of <see cref="Format"/>.</summary>
    public void ReadFrame(int index, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, FrameCount);
        if (destination.Length < FrameBytes)
        {
            throw new ArgumentException($"Destination holds {destination.Length} bytes; a {Width}x{Height} frame needs {FrameBytes}.", nameof(destination));
        }

        destination = destination[..FrameBytes];
        switch (_kind)
        {
            case SourceKind.PpmFolder:
                ReadPpm(_files[index], destination);
                break;
            case SourceKind.RawFolder:
                ReadRaw(_files[index], destination);
                break;
            default:
                ReadY4mFrame(index, destination);
                break;
        }
    }

    /// <summary>Closes the video file (folders hold nothing open).</summary>
    public void Dispose() => _video?.Dispose();

    private static string[] ListFiles(string folder, string extension)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: folder not found.");
        }

        string[] files = Directory.GetFiles(folder, "*" + extension);
        if (files.Length == 0)
        {
            throw new InvalidDataException($"{folder}: expected {extension} files, found none.");
        }

        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private void ReadPpm(string file, Span<byte> destination)
    {
        using SafeFileHandle handle = File.OpenHandle(file);
        (int width, int height, int dataOffset) = ReadPpmHeader(handle, file);
        if (width != Width || height != Height)
        {
            throw new InvalidDataException($"{file}: expected a {Width}x{Height} image like the first file, got {width}x{height}.");
        }

        ReadExactly(handle, file, dataOffset, destination, "pixel bytes");
    }

    private void ReadRaw(string file, Span<byte> destination)
    {
        using SafeFileHandle handle = File.OpenHandle(file);
        long length = RandomAccess.GetLength(handle);
        if (length != FrameBytes)
        {
            throw new InvalidDataException($"{file}: expected {FrameBytes} bytes ({Width}x{Height} {Format}), got {length}.");
        }

        ReadExactly(handle, file, 0, destination, "pixel bytes");
    }

    private void ReadY4mFrame(int index, Span<byte> destination)
    {
        ReadExactly(_video!, _path, _frameOffsets[index], _yuv, $"bytes of frame {index}");
        YuvToRgb(_yuv, Width, Height, _chroma444, destination);
    }

    private static void ReadExactly(SafeFileHandle handle, string file, long offset, Span<byte> destination, string what)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = RandomAccess.Read(handle, destination[total..], offset + total);
            if (read == 0)
            {
                throw new InvalidDataException($"{file}: expected {destination.Length} {what} at byte {offset}, got {total} (file truncated).");
            }

            total += read;
        }
    }

    /// <summary>Parses <c>P6 &lt;width&gt; &lt;height&gt; 255</c> with optional <c>#</c> comments; returns where the pixels start.</summary>
    internal static (int Width, int Height, int DataOffset) ReadPpmHeader(SafeFileHandle handle, string file)
    {
        Span<byte> header = stackalloc byte[MaxHeaderBytes];
        int length = RandomAccess.Read(handle, header, 0);
        header = header[..length];

        int pos = 0;
        string magic = NextPpmToken(header, ref pos, file);
        if (magic != "P6")
        {
            throw new InvalidDataException($"{file}: expected P6 header, got '{Printable(magic)}'.");
        }

        int width = ParsePpmNumber(header, ref pos, file, "width");
        int height = ParsePpmNumber(header, ref pos, file, "height");
        int maxValue = ParsePpmNumber(header, ref pos, file, "maxval");
        if (maxValue != 255)
        {
            throw new InvalidDataException($"{file}: expected maxval 255 (8-bit samples), got {maxValue}.");
        }

        // Exactly one whitespace byte separates maxval from the pixel data.
        if (pos >= header.Length || !IsPpmSpace(header[pos]))
        {
            throw new InvalidDataException($"{file}: expected one whitespace byte after maxval, then pixel data.");
        }

        return (width, height, pos + 1);
    }

    private static int ParsePpmNumber(ReadOnlySpan<byte> header, ref int pos, string file, string what)
    {
        string token = NextPpmToken(header, ref pos, file);
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value <= 0)
        {
            throw new InvalidDataException($"{file}: expected a positive {what} in the P6 header, got '{Printable(token)}'.");
        }

        return value;
    }

    private static string NextPpmToken(ReadOnlySpan<byte> header, ref int pos, string file)
    {
        while (pos < header.Length)
        {
            if (header[pos] == (byte)'#')
            {
                while (pos < header.Length && header[pos] != (byte)'\n')
                {
                    pos++;
                }
            }
            else if (IsPpmSpace(header[pos]))
            {
                pos++;
            }
            else
            {
                break;
            }
        }

        int start = pos;
        while (pos < header.Length && !IsPpmSpace(header[pos]) && pos - start < 32)
        {
            pos++;
        }

        if (pos == start)
        {
            throw new InvalidDataException($"{file}: expected a P6 header (P6 width height 255), but the file ends after {header.Length} bytes.");
        }

        return Encoding.ASCII.GetString(header[start..pos]);
    }

    private static bool IsPpmSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    private static string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char ch in text)
        {
            builder.Append(ch is >= ' ' and < (char)127 ? ch : '?');
        }

        return builder.ToString();
    }

    private static int YuvFrameBytes(int width, int height, bool chroma444)
    {
        int chroma = chroma444 ? width * height : ((width + 1) / 2) * ((height + 1) / 2);
        return (width * height) + (2 * chroma);
    }

    /// <summary>Parses the stream header and records where each frame's planes start.</summary>
    private static (int Width, int Height, bool Chroma444, long[] Offsets) IndexY4m(SafeFileHandle handle, string path)
    {
        Span<byte> buffer = stackalloc byte[MaxHeaderBytes];
        int read = RandomAccess.Read(handle, buffer, 0);
        string line = ReadHeaderLine(buffer[..read], path, "YUV4MPEG2 stream header", 0);

        string[] tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0 || tokens[0] != "YUV4MPEG2")
        {
            string got = tokens.Length == 0 ? string.Empty : tokens[0];
            throw new InvalidDataException($"{path}: expected 'YUV4MPEG2' signature, got '{Printable(got)}'.");
        }

        int width = 0, height = 0;
        string chroma = "420jpeg";
        foreach (string token in tokens.Skip(1))
        {
            switch (token[0])
            {
                case 'W':
                    width = ParseY4mNumber(token, path);
                    break;
                case 'H':
                    height = ParseY4mNumber(token, path);
                    break;
                case 'C':
                    chroma = token[1..];
                    break;
                default:
                    // Frame rate, interlacing, aspect ratio and X extensions do not change the sample layout.
                    break;
            }
        }

        if (width <= 0 || height <= 0)
        {
            throw new InvalidDataException($"{path}: expected W<width> and H<height> in the YUV4MPEG2 header, got '{Printable(line)}'.");
        }

        bool chroma444 = chroma switch
        {
            "420" or "420jpeg" or "420mpeg2" or "420paldv" => false,
            "444" => true,
            _ => throw new InvalidDataException($"{path}: expected chroma C420, C420jpeg, C420mpeg2, C420paldv or C444 (8-bit), got 'C{Printable(chroma)}'."),
        };

        int frameBytes = YuvFrameBytes(width, height, chroma444);
        long length = RandomAccess.GetLength(handle);
        long position = Encoding.ASCII.GetByteCount(line) + 1;
        var offsets = new List<long>();
        while (position < length)
        {
            read = RandomAccess.Read(handle, buffer, position);
            string frameLine = ReadHeaderLine(buffer[..read], path, $"FRAME header of frame {offsets.Count}", position);
            if (!frameLine.StartsWith("FRAME", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{path}: expected 'FRAME' at byte {position} (frame {offsets.Count}), got '{Printable(frameLine[..Math.Min(frameLine.Length, 16)])}'.");
            }

            long data = position + frameLine.Length + 1;
            if (data + frameBytes > length)
            {
                throw new InvalidDataException($"{path}: frame {offsets.Count} is truncated: expected {frameBytes} bytes at byte {data}, got {Math.Max(0, length - data)}.");
            }

            offsets.Add(data);
            position = data + frameBytes;
        }

        if (offsets.Count == 0)
        {
            throw new InvalidDataException($"{path}: expected at least one FRAME after the header, found none.");
        }

        return (width, height, chroma444, offsets.ToArray());
    }

    private static string ReadHeaderLine(ReadOnlySpan<byte> bytes, string path, string what, long position)
    {
        int end = bytes.IndexOf((byte)'\n');
        if (end < 0)
        {
            throw new InvalidDataException($"{path}: expected a newline-terminated {what} at byte {position} (at most {MaxHeaderBytes} bytes).");
        }

        return Encoding.ASCII.GetString(bytes[..end]);
    }

    private static int ParseY4mNumber(string token, string path)
    {
        if (!int.TryParse(token.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value <= 0)
        {
            throw new InvalidDataException($"{path}: expected a positive number in header field '{Printable(token)}'.");
        }

        return value;
    }

    /// <summary>
    /// BT.601 limited-range YUV (planar Y, U, V) to packed RGB24, nearest chroma sample for 4:2:0. Coefficients are the
    /// standard 8.8 fixed-point ones: 298 = 1.164 * 256, 409 = 1.596 * 256, 100 = 0.392 * 256, 208 = 0.813 * 256,
    /// 516 = 2.017 * 256; +128 rounds before the shift.
    /// </summary>
    internal static void YuvToRgb(ReadOnlySpan<byte> yuv, int width, int height, bool chroma444, Span<byte> rgb)
    {
        int chromaWidth = chroma444 ? width : (width + 1) / 2;
        int chromaHeight = chroma444 ? height : (height + 1) / 2;
        ReadOnlySpan<byte> yPlane = yuv[..(width * height)];
        ReadOnlySpan<byte> uPlane = yuv.Slice(width * height, chromaWidth * chromaHeight);
        ReadOnlySpan<byte> vPlane = yuv.Slice((width * height) + (chromaWidth * chromaHeight), chromaWidth * chromaHeight);
        int shift = chroma444 ? 0 : 1;

        for (int y = 0; y < height; y++)
        {
            int chromaRow = (y >> shift) * chromaWidth;
            for (int x = 0; x < width; x++)
            {
                int c = 298 * (yPlane[(y * width) + x] - 16);
                int d = uPlane[chromaRow + (x >> shift)] - 128;
                int e = vPlane[chromaRow + (x >> shift)] - 128;
                int i = ((y * width) + x) * 3;
                rgb[i] = (byte)Math.Clamp((c + (409 * e) + 128) >> 8, 0, 255);
                rgb[i + 1] = (byte)Math.Clamp((c - (100 * d) - (208 * e) + 128) >> 8, 0, 255);
                rgb[i + 2] = (byte)Math.Clamp((c + (516 * d) + 128) >> 8, 0, 255);
            }
        }
    }
}
