using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EdgeBench.Footage;

/// <summary>
/// Video files and V4L2 cameras decoded by the <c>ffmpeg</c> executable into RGB24 frames over a pipe.
/// </summary>
/// <remarks>
/// <para>
/// ffmpeg writes the frames as a stream of binary PPMs (<c>-f image2pipe -c:v ppm -pix_fmt rgb24</c>): the same
/// rgb24 bytes as <c>-f rawvideo</c>, each frame behind a 15-byte header that carries its size. That makes one
/// ffmpeg call enough, with no ffprobe first: a camera is opened once (a second open can deliver another format or
/// fail while the device is released), and the size is the one ffmpeg outputs after auto-rotation of phone videos,
/// which ffprobe's stream size is not. A size change in the middle of a stream is refused.
/// </para>
/// <para>
/// The process helpers of EdgeBench.Telemetry (ChildProcess) are not used: they read text, and this project must
/// not depend on the telemetry samplers. The runner here starts ffmpeg without a shell, drains stderr beside the
/// binary stdout, and kills its own process (never by name) after a time limit.
/// </para>
/// </remarks>
internal static class FfmpegDecoder
{
    /// <summary>Overrides the ffmpeg executable (a full path), else <c>ffmpeg</c> is looked up on PATH.</summary>
    public const string ExecutableVariable = "EDGEBENCH_FFMPEG";

    /// <summary>Time allowed to start plus time per frame: a camera delivers 30 frames a second, a large video on a
    /// small board decodes a few.</summary>
    private static readonly TimeSpan s_baseTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_perFrameTimeout = TimeSpan.FromSeconds(0.5);

    /// <summary>The ffmpeg to run: <see cref="ExecutableVariable"/>, else the first <c>ffmpeg</c> on PATH; null when none exists.</summary>
    public static string? Locate()
    {
        string? configured = Environment.GetEnvironmentVariable(ExecutableVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "ffmpeg");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The ffmpeg arguments that decode up to <paramref name="maxFrames"/> frames of the first video stream.</summary>
    internal static IReadOnlyList<string> Arguments(string path, FootageKind kind, int maxFrames)
    {
        var arguments = new List<string> { "-nostdin", "-hide_banner", "-v", "error" };
        if (kind == FootageKind.Camera)
        {
            arguments.AddRange(["-f", "v4l2"]);
        }

        arguments.AddRange(["-i", path, "-map", "0:v:0", "-frames:v", maxFrames.ToString(CultureInfo.InvariantCulture),
            "-f", "image2pipe", "-c:v", "ppm", "-pix_fmt", "rgb24", "-"]);
        return arguments;
    }

    /// <summary>Decodes with the ffmpeg <see cref="Locate"/> finds.</summary>
    public static DecodedFootage Decode(string path, FootageKind kind, int maxFrames) => Decode(path, kind, maxFrames, Locate());

    /// <summary>Decodes with <paramref name="executable"/>; null means no ffmpeg was found.</summary>
    internal static DecodedFootage Decode(string path, FootageKind kind, int maxFrames, string? executable)
    {
        string what = kind == FootageKind.Camera ? "capturing from a camera" : "decoding a video file";
        string ffmpeg = executable ?? throw new FootageException(
            $"{path}: {what} needs the ffmpeg executable, which is not on PATH; install it (apt-get install ffmpeg) "
            + $"or set {ExecutableVariable} to its full path.");

        var startInfo = new ProcessStartInfo(ffmpeg)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (string argument in Arguments(path, kind, maxFrames))
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new FootageException($"{path}: {what} needs ffmpeg, but {ffmpeg} could not start ({e.Message}); install it (apt-get install ffmpeg).", e);
        }

        Task<string> stderr = process.StandardError.ReadToEndAsync();
        TimeSpan limit = s_baseTimeout + (s_perFrameTimeout * maxFrames);
        bool timedOut = false;
        // A camera that delivers nothing would block the read below forever: past the limit the process is killed,
        // which closes its stdout and ends the read.
        using var deadline = new CancellationTokenSource(limit);
        using CancellationTokenRegistration kill = deadline.Token.Register(() =>
        {
            timedOut = true;
            KillTree(process);
        });

        var frames = new List<byte[]>();
        int width = 0, height = 0;
        string? streamError = null;
        try
        {
            Stream stdout = process.StandardOutput.BaseStream;
            while (frames.Count < maxFrames && ReadPpmHeader(stdout) is { } header)
            {
                if (frames.Count == 0)
                {
                    (width, height) = header;
                }
                else if (header != (width, height))
                {
                    streamError = $"frame {frames.Count} is {header.Width}x{header.Height} where the first was {width}x{height}; expected one frame size";
                    break;
                }

                byte[] rgb = new byte[checked(width * height * 3)];
                int read = ReadFully(stdout, rgb);
                if (read < rgb.Length)
                {
                    streamError = $"frame {frames.Count} ended after {read} of {rgb.Length} bytes";
                    break;
                }

                frames.Add(rgb);
            }
        }
        catch (InvalidDataException e)
        {
            streamError = e.Message;
        }

        if (streamError is not null)
        {
            KillTree(process);
        }

        bool exited = process.WaitForExit(TimeSpan.FromSeconds(10));
        kill.Unregister();
        if (!exited)
        {
            KillTree(process);
        }

        string errors = Tail(stderr.Wait(TimeSpan.FromSeconds(5)) ? stderr.Result : string.Empty);
        string ffmpegSays = errors.Length > 0 ? $"; ffmpeg: {errors}" : string.Empty;
        if (timedOut)
        {
            throw new FootageException($"{path}: {what} took longer than {limit.TotalSeconds:0} s for {maxFrames} frames; expected ffmpeg to deliver them{ffmpegSays}.");
        }

        if (streamError is not null)
        {
            throw new FootageException($"{path}: ffmpeg's frame stream is not usable: {streamError}{ffmpegSays}.");
        }

        if (exited && process.ExitCode != 0 && frames.Count < maxFrames)
        {
            throw new FootageException($"{path}: ffmpeg cannot read it (exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}); expected "
                + (kind == FootageKind.Camera ? "a V4L2 camera that delivers frames" : "a video file with a video stream ffmpeg decodes") + ffmpegSays + ".");
        }

        if (frames.Count == 0)
        {
            throw new FootageException($"{path}: ffmpeg decoded no frames; expected at least one video frame{ffmpegSays}.");
        }

        return new DecodedFootage(path, kind, width, height, frames, SourceEnded: frames.Count < maxFrames);
    }

    /// <summary>
    /// Reads <c>P6 &lt;width&gt; &lt;height&gt; 255</c> and the one whitespace byte after it; null at a clean end of
    /// the stream (no byte of a next header).
    /// </summary>
    internal static (int Width, int Height)? ReadPpmHeader(Stream stream)
    {
        var tokens = new string[4];
        var token = new StringBuilder();
        int count = 0;
        while (count < 4)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                if (count == 0 && token.Length == 0)
                {
                    return null;
                }

                throw new InvalidDataException("the stream ended inside a frame header");
            }

            if (b is ' ' or '\n' or '\r' or '\t')
            {
                if (token.Length > 0)
                {
                    tokens[count++] = token.ToString();
                    token.Clear();
                }
            }
            else if (token.Length < 16)
            {
                token.Append((char)b);
            }
            else
            {
                throw new InvalidDataException("expected a P6 frame header, got a long token");
            }
        }

        if (tokens[0] != "P6" || tokens[3] != "255"
            || !int.TryParse(tokens[1], NumberStyles.None, CultureInfo.InvariantCulture, out int width) || width <= 0
            || !int.TryParse(tokens[2], NumberStyles.None, CultureInfo.InvariantCulture, out int height) || height <= 0)
        {
            throw new InvalidDataException($"expected a 'P6 width height 255' frame header, got '{string.Join(' ', tokens)}'");
        }

        // The whitespace after maxval was the one that ended its token: pixel data starts here.
        return (width, height);
    }

    private static int ReadFully(Stream stream, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception)
        {
            // Gone between the check and the kill.
        }
    }

    // ffmpeg's last few error lines, on one line.
    private static string Tail(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 3)));
    }
}
