using EdgeBench.Core.Imaging;
using EdgeBench.Pipeline;
using EdgeBench.Preprocessing;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// The ring of camera frames every pipeline benchmark feeds (<see cref="PipelineBenchmarks"/> and the ladder), so the
/// ladder's level 1 and SsdBenchmarks' end-to-end case see the same pixels.
/// </summary>
internal static class CameraFrames
{
    private const int VideoSeed = 1;

    /// <summary>
    /// <paramref name="count"/> decoded frames, BGR as a camera decoder (OpenCV) delivers them: the synthetic video,
    /// or the user's footage (cycled when it has fewer frames).
    /// </summary>
    public static FrameBuffer[] Load(string? footage, int count)
    {
        var ring = new FrameBuffer[count];
        RawFrameReader? reader = footage is null ? null : RawFrameReader.Open(footage);
        try
        {
            var video = reader is null ? new SyntheticVideo(PipelineBenchmarks.FrameWidth, PipelineBenchmarks.FrameHeight, VideoSeed) : null;
            int width = reader?.Width ?? PipelineBenchmarks.FrameWidth, height = reader?.Height ?? PipelineBenchmarks.FrameHeight;
            for (int i = 0; i < count; i++)
            {
                byte[] rgb = new byte[width * height * FrameBuffer.BytesPerPixel]; // as decoded (RGB unless a raw BGR folder)
                if (reader is not null)
                {
                    reader.ReadFrame(i % reader.FrameCount, rgb);
                }
                else
                {
                    video!.Render(i, rgb);
                }

                byte[] bgr = rgb;
                if (reader?.Format != PixelFormat.Bgr24)
                {
                    bgr = new byte[rgb.Length];
                    FrameTensor.SwapRedBlueReference(rgb, bgr);
                }

                ring[i] = FrameBuffer.Packed(width, height, PixelFormat.Bgr24, bgr);
            }
        }
        finally
        {
            reader?.Dispose();
        }

        return ring;
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
