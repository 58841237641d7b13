using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core.Imaging;
using EdgeBench.Footage;
using EdgeBench.Pipeline;
using EdgeBench.Preprocessing;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// The ring of camera frames every pipeline benchmark feeds (<see cref="PipelineBenchmarks"/> and the ladder), so the
/// ladder's level 1 and SsdBenchmarks' end-to-end case see the same pixels.
/// </summary>
/// <remarks>
/// The user's footage (<c>--frames</c>) is decoded once per process, at run start by <see cref="Check"/> (so a bad
/// file stops the run before any case) and kept: the cases run in-process and reuse those frames, so a camera is
/// captured once and every case sees the same pixels. Nothing is decoded inside a timed loop.
/// </remarks>
internal static class CameraFrames
{
    /// <summary>
    /// The most footage frames decoded: the ring of the largest batch (<see cref="RingSize"/> of 256). A ring cycles
    /// through footage that has fewer frames; frames past the ring's size would never be fed.
    /// </summary>
    public const int MaxFootageFrames = 512;

    private const int VideoSeed = 1;

    private static readonly Lock s_footageLock = new();
    private static DecodedFootage? s_footage;

    /// <summary>Frames in a case's ring: at least 8, and two batches.</summary>
    public static int RingSize(int batch) => Math.Min(MaxFootageFrames, Math.Max(8, 2 * batch));

    /// <summary>
    /// Decodes the run's footage as the cases will need it (the ring of the largest batch) and describes it, or
    /// describes the synthetic video. A bad footage path throws <see cref="FootageException"/> naming the file.
    /// </summary>
    public static string Check(RunSettings settings)
    {
        if (settings.Frames is null)
        {
            return $"synthetic {PipelineBenchmarks.FrameWidth}x{PipelineBenchmarks.FrameHeight} video (seed {VideoSeed})";
        }

        return Footage(settings.Frames, RingSize(settings.Batches.Max())).Description;
    }

    /// <summary>
    /// <paramref name="count"/> decoded frames, BGR as a camera decoder (OpenCV) delivers them: the synthetic video,
    /// or the user's footage (cycled when it has fewer frames).
    /// </summary>
    public static FrameBuffer[] Load(string? footage, int count)
    {
        var ring = new FrameBuffer[count];
        DecodedFootage? decoded = footage is null ? null : Footage(footage, count);
        var video = decoded is null ? new SyntheticVideo(PipelineBenchmarks.FrameWidth, PipelineBenchmarks.FrameHeight, VideoSeed) : null;
        int width = decoded?.Width ?? PipelineBenchmarks.FrameWidth, height = decoded?.Height ?? PipelineBenchmarks.FrameHeight;
        for (int i = 0; i < count; i++)
        {
            byte[] rgb;
            if (decoded is not null)
            {
                rgb = decoded.Frames[i % decoded.Frames.Count];
            }
            else
            {
                rgb = new byte[width * height * FrameBuffer.BytesPerPixel];
                video!.Render(i, rgb);
            }

            byte[] bgr = new byte[rgb.Length];
            FrameTensor.SwapRedBlueReference(rgb, bgr);
            ring[i] = FrameBuffer.Packed(width, height, PixelFormat.Bgr24, bgr);
        }

        return ring;
    }

    // The footage decoded so far is reused when it has enough frames (or the source has no more); a larger ring
    // decodes again. In-process cases share it; a case in a child process decodes its own.
    private static DecodedFootage Footage(string path, int count)
    {
        lock (s_footageLock)
        {
            if (s_footage is null || s_footage.Path != Path.GetFullPath(path) || (s_footage.Frames.Count < count && !s_footage.SourceEnded))
            {
                s_footage = FootageReader.Decode(path, Math.Min(count, MaxFootageFrames));
            }

            return s_footage;
        }
    }
}

/// <summary>
/// A benchmark's frame ring and its cursor: each call takes the next batch of frames, starting over when fewer than a
/// batch remain, so consecutive calls see different frames (no cache-warm repeats) and every call a full batch.
/// </summary>
internal sealed class FrameRing(FrameBuffer[] frames)
{
    private int _cursor;

    /// <summary>A ring with no frames, before setup.</summary>
    public static FrameRing Empty => new([]);

    /// <summary>All frames of the ring.</summary>
    public FrameBuffer[] Frames { get; } = frames;

    /// <summary>The next <paramref name="batch"/> frames.</summary>
    public ReadOnlySpan<FrameBuffer> Next(int batch)
    {
        if (_cursor + batch > Frames.Length)
        {
            _cursor = 0;
        }

        ReadOnlySpan<FrameBuffer> next = Frames.AsSpan(_cursor, batch);
        _cursor += batch;
        return next;
    }
}
