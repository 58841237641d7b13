namespace EdgeBench.Core.Models;

/// <summary>Order of the colour channels a model's input expects.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (torchvision, Ultralytics, most ONNX exports).</summary>
    Rgb,

    /// <summary>Blue, green, red (OpenCV-trained and Caffe models).</summary>
    Bgr,
}

/// <summary>How a frame is brought to the model's input size.</summary>
public enum ResizeMode
{
    /// <summary>Each axis scaled on its own to the input size; the aspect ratio changes.</summary>
    Stretch,

    /// <summary>
    /// One scale for both axes (the largest that fits), the image centred and the rest padded, as Ultralytics'
    /// LetterBox does; the aspect ratio is kept.
    /// </summary>
    Letterbox,
}

/// <summary>
/// How frames become a model's input, besides its size, layout and normalization: channel order, resize mode and the
/// letterbox pad value.
/// </summary>
/// <param name="ChannelOrder">Channel order of the input tensor; normalization mean/std are listed in this order.</param>
/// <param name="Resize">Stretch or letterbox.</param>
/// <param name="PadValue">The 0..255 pixel value letterbox bands get before normalization (114 as Ultralytics).</param>
public sealed record InputPreprocessing(ChannelOrder ChannelOrder = ChannelOrder.Rgb, ResizeMode Resize = ResizeMode.Stretch, byte PadValue = InputPreprocessing.DefaultPadValue)
{
    /// <summary>Ultralytics' letterbox grey.</summary>
    public const byte DefaultPadValue = 114;

    /// <summary>RGB, stretched: what every catalog model expects.</summary>
    public static InputPreprocessing Default { get; } = new();

    /// <summary>Readable form for listings and case descriptions, e.g. <c>bgr letterbox(114)</c>.</summary>
    public override string ToString() =>
        ChannelOrder.ToString().ToLowerInvariant() + " " + (Resize == ResizeMode.Letterbox ? $"letterbox({PadValue})" : "stretch");
}
