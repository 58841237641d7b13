using EdgeBench.Core.Models;
using EdgeBench.Models.Fused;
using EdgeBench.Postprocessing;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The fused SSD graph's spec from the C# postprocess's constants (<see cref="SsdDefaultBoxes.Coco300"/>,
/// <see cref="DecodeOptions.Default"/>), so the graph and the C# pipeline decode the same way. Here, beside the runner
/// of that graph, because EdgeBench.Models keeps no reference to EdgeBench.Postprocessing (see <see cref="FusedSsdSpec"/>).
/// </summary>
public static class FusedSsdReferenceSpec
{
    /// <summary>The spec for <paramref name="model"/> on camera frames of <paramref name="frameWidth"/> x <paramref name="frameHeight"/>.</summary>
    public static FusedSsdSpec For(ModelDescriptor model, int frameWidth, int frameHeight)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Layout != TensorLayout.Nchw || model.Preprocessing != InputPreprocessing.Default)
        {
            throw new NotSupportedException($"Model '{model.Id}': the fused SSD graph preprocesses into NCHW RGB by stretching; its input is {model.Layout} {model.Preprocessing}.");
        }

        SsdDefaultBoxes boxes = SsdDefaultBoxes.Coco300;
        DecodeOptions options = DecodeOptions.Default;
        return new FusedSsdSpec
        {
            FrameWidth = frameWidth,
            FrameHeight = frameHeight,
            PriorCenterX = boxes.CenterX.ToArray(),
            PriorCenterY = boxes.CenterY.ToArray(),
            PriorWidth = boxes.Width.ToArray(),
            PriorHeight = boxes.Height.ToArray(),
            InputWidth = model.InputWidth,
            InputHeight = model.InputHeight,
            Normalization = model.Normalization,
            Classes = options.SsdClassCount,
            MaxDetections = options.SsdMaxDetections,
            IouThreshold = options.SsdIouThreshold,
            ScoreThreshold = options.SsdScoreThreshold,
            ScaleXy = options.SsdScaleXy,
            ScaleWh = options.SsdScaleWh,
        };
    }
}
