using EdgeBench.Core.Detection;
using EdgeBench.Core.Models;

namespace EdgeBench.Core.Imaging;

/// <summary>
/// Where a frame lands in a model's input and back: the frame is resized to <see cref="ContentWidth"/> x
/// <see cref="ContentHeight"/> and placed at (<see cref="OffsetX"/>, <see cref="OffsetY"/>) of the input; the rest
/// of the input is letterbox padding. The preprocess builds its tables from this and detectors map boxes back with
/// <see cref="MapToFrame"/>, so the two never disagree.
/// </summary>
/// <remarks>
/// Letterbox follows Ultralytics' <c>LetterBox</c>: gain <c>r = min(W / w, H / h)</c>, content size
/// <c>round(w * r)</c> x <c>round(h * r)</c> (half to even, as Python's <c>round</c>), the left/top band the floor of
/// half the slack (its <c>round(d - 0.1)</c>) and the right/bottom band the rest. Boxes are mapped with the content's
/// own per-axis scale (<c>ContentWidth / w</c>), the exact inverse of the resize that ran, which differs from
/// <c>r</c> only by the rounding of the content size.
/// </remarks>
public readonly record struct FrameMapping
{
    private FrameMapping(int frameWidth, int frameHeight, int inputWidth, int inputHeight, int contentWidth, int contentHeight, int offsetX, int offsetY)
    {
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        InputWidth = inputWidth;
        InputHeight = inputHeight;
        ContentWidth = contentWidth;
        ContentHeight = contentHeight;
        OffsetX = offsetX;
        OffsetY = offsetY;
    }

    /// <summary>Frame width in pixels.</summary>
    public int FrameWidth { get; }

    /// <summary>Frame height in pixels.</summary>
    public int FrameHeight { get; }

    /// <summary>Model input width in pixels.</summary>
    public int InputWidth { get; }

    /// <summary>Model input height in pixels.</summary>
    public int InputHeight { get; }

    /// <summary>Width of the resized frame inside the input (the input width when stretched).</summary>
    public int ContentWidth { get; }

    /// <summary>Height of the resized frame inside the input.</summary>
    public int ContentHeight { get; }

    /// <summary>Input columns of padding left of the content (0 when stretched).</summary>
    public int OffsetX { get; }

    /// <summary>Input rows of padding above the content (0 when stretched).</summary>
    public int OffsetY { get; }

    /// <summary>Input pixels per frame pixel, horizontally.</summary>
    public double ScaleX => (double)ContentWidth / FrameWidth;

    /// <summary>Input pixels per frame pixel, vertically.</summary>
    public double ScaleY => (double)ContentHeight / FrameHeight;

    /// <summary>Whether the input has padding bands (a letterbox whose aspect ratio differs from the frame's).</summary>
    public bool HasPadding => ContentWidth != InputWidth || ContentHeight != InputHeight;

    /// <summary>The mapping of a <paramref name="frameWidth"/> x <paramref name="frameHeight"/> frame into an input of the given size.</summary>
    public static FrameMapping For(ResizeMode resize, int frameWidth, int frameHeight, int inputWidth, int inputHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputHeight);
        if (resize == ResizeMode.Stretch)
        {
            return new FrameMapping(frameWidth, frameHeight, inputWidth, inputHeight, inputWidth, inputHeight, 0, 0);
        }

        double gain = Math.Min((double)inputWidth / frameWidth, (double)inputHeight / frameHeight);
        int contentWidth = Math.Clamp((int)Math.Round(frameWidth * gain, MidpointRounding.ToEven), 1, inputWidth);
        int contentHeight = Math.Clamp((int)Math.Round(frameHeight * gain, MidpointRounding.ToEven), 1, inputHeight);
        return new FrameMapping(frameWidth, frameHeight, inputWidth, inputHeight, contentWidth, contentHeight,
            (inputWidth - contentWidth) / 2, (inputHeight - contentHeight) / 2);
    }

    /// <summary>
    /// A box in model-input pixels mapped to frame pixels: the padding subtracted, divided by the scale, clamped to
    /// the frame (a box partly in the padding ends at the frame's edge).
    /// </summary>
    public BoundingBox MapToFrame(in BoundingBox inputPixels)
    {
        double sx = ScaleX, sy = ScaleY;
        return new BoundingBox(
            ClampTo((inputPixels.Left - OffsetX) / sx, FrameWidth),
            ClampTo((inputPixels.Top - OffsetY) / sy, FrameHeight),
            ClampTo((inputPixels.Right - OffsetX) / sx, FrameWidth),
            ClampTo((inputPixels.Bottom - OffsetY) / sy, FrameHeight));
    }

    /// <summary>A box in relative input coordinates (0..1 of the input, as SSD decodes) mapped to frame pixels.</summary>
    public BoundingBox MapRelativeToFrame(in BoundingBox relative) =>
        MapToFrame(new BoundingBox(relative.Left * InputWidth, relative.Top * InputHeight, relative.Right * InputWidth, relative.Bottom * InputHeight));

    private static float ClampTo(double value, int size) => (float)Math.Clamp(value, 0d, size);
}
