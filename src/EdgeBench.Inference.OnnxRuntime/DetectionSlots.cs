using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The two ends shared by the runners that take camera frames and return fixed-size detections
/// (<see cref="OrtFusedSsdRunner"/>, <see cref="OrtCudaSsdPipeline"/>): packing BGR24 frames into one [N, H, W, 3]
/// buffer, and reading the result block scores [N, D] | labels [N, D] | boxes [N, D, 4] back as detections.
/// </summary>
internal static class DetectionSlots
{
    /// <summary>Floats of a result block of <paramref name="batch"/> images x <paramref name="slots"/> detections.</summary>
    public static int ResultFloats(int batch, int slots) => 6 * batch * slots;

    /// <summary>Where the labels [N, D] start in a result block (after the scores [N, D]).</summary>
    public static int LabelsAt(int batch, int slots) => batch * slots;

    /// <summary>Where the boxes [N, D, 4] start in a result block (after scores and labels).</summary>
    public static int BoxesAt(int batch, int slots) => 2 * batch * slots;

    /// <summary>Refuses a batch that is not exactly <paramref name="count"/> BGR24 frames of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static void CheckFrames(ReadOnlySpan<FrameBuffer> frames, int count, int width, int height)
    {
        if (frames.Length != count)
        {
            throw new ArgumentException($"Expected {count} frames, got {frames.Length}.", nameof(frames));
        }

        for (int i = 0; i < frames.Length; i++)
        {
            FrameBuffer frame = frames[i];
            if (frame.Format != PixelFormat.Bgr24 || frame.Width != width || frame.Height != height)
            {
                throw new ArgumentException($"Expected {width}x{height} BGR24 frames; frame {i} is {frame.Width}x{frame.Height} {frame.Format}.", nameof(frames));
            }
        }
    }

    /// <summary>
    /// Copies camera frames (BGR24, exactly one per batch item, of <paramref name="width"/> x <paramref name="height"/>)
    /// into <paramref name="batch"/>: one copy per frame, row by row only when a frame is strided.
    /// </summary>
    public static void LoadFrames(ReadOnlySpan<FrameBuffer> frames, Span<byte> batch, int width, int height)
    {
        CheckFrames(frames, batch.Length / (width * FrameBuffer.BytesPerPixel * height), width, height);
        CopyFrames(frames, batch, width, height);
    }

    /// <summary><see cref="LoadFrames"/> for frames a caller has already checked (<see cref="CheckFrames"/>).</summary>
    public static void CopyFrames(ReadOnlySpan<FrameBuffer> frames, Span<byte> batch, int width, int height)
    {
        int row = width * FrameBuffer.BytesPerPixel;
        int size = row * height;
        for (int i = 0; i < frames.Length; i++)
        {
            FrameBuffer frame = frames[i];
            Span<byte> item = batch.Slice(i * size, size);
            ReadOnlySpan<byte> pixels = frame.Pixels.Span;
            if (frame.Stride == row)
            {
                pixels[..size].CopyTo(item);
                continue;
            }

            for (int y = 0; y < height; y++)
            {
                pixels.Slice(y * frame.Stride, row).CopyTo(item.Slice(y * row, row));
            }
        }
    }

    /// <summary>
    /// The filled slots of <paramref name="results"/> (scores | labels | boxes, <paramref name="batch"/> images of
    /// <paramref name="slots"/> slots, best first, a score &lt;= 0 ending an image's list) as detections, into
    /// <paramref name="detections"/> (cleared first; no allocation once its capacity suffices); returns their count.
    /// </summary>
    public static int Read(ReadOnlySpan<float> results, int batch, int slots, List<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        detections.Clear();
        int labelsAt = LabelsAt(batch, slots);
        int boxesAt = BoxesAt(batch, slots);
        for (int n = 0; n < batch; n++)
        {
            for (int d = 0; d < slots; d++)
            {
                int slot = (n * slots) + d;
                if (results[slot] <= 0f)
                {
                    break; // slots are sorted by score: the rest of this image's are empty
                }

                int b = boxesAt + (slot * 4);
                detections.Add(new Detection(new BoundingBox(results[b], results[b + 1], results[b + 2], results[b + 3]), (int)results[labelsAt + slot], results[slot], n));
            }
        }

        return detections.Count;
    }
}
