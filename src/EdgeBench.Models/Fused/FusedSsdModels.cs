using System.Globalization;
using EdgeBench.Core;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Models.Fused;

/// <summary>A fused SSD file ready to load (see <see cref="FusedSsdModels"/>).</summary>
/// <param name="Path">The .onnx file.</param>
/// <param name="Source">The SSD model it was built from (its precision is the fused file's).</param>
/// <param name="Spec">What it was built for (frame size, K, output size).</param>
public sealed record FusedSsdModel(string Path, ResolvedModel Source, FusedSsdSpec Spec)
{
    /// <summary>
    /// For an unrolled-NMS file (<see cref="FusedSsdSpec.NmsSteps"/> &gt; 0): the same graph with NMS looped to its
    /// fixed point, which the runner uses for a batch whose <c>nms_converged</c> says the unrolled steps fell short.
    /// Null when this file is exact itself.
    /// </summary>
    public FusedSsdModel? Exact { get; init; }

    /// <summary>Precision of the inlined SSD model; the fused graph's inputs and outputs are uint8/fp32 either way.</summary>
    public Precision Precision => Source.Precision;
}

/// <summary>
/// The fused SSD graph (preprocess + SSD + decode + NMS, fixed-shape outputs; see <see cref="FusedSsdGraph"/>) as a
/// cached file beside the generated models.
/// </summary>
/// <remarks>
/// The file lives in <c>models/generated/&lt;id&gt;-&lt;precision&gt;-fused-&lt;W&gt;x&lt;H&gt;.onnx</c> with a stamp, like
/// the generated models: it is rebuilt when the source model file changes (its SHA-256 is in the key, so a
/// recalibrated generator or a user's own model both count), when the spec changes, or when
/// <see cref="BuilderVersion"/> is bumped. The fp16 variant inlines the fp16 model file the store resolves (fp16
/// I/O) with Casts at its edges, i.e. the fp16 model with fp32 I/O kept, so decoding and NMS run in fp32.
/// </remarks>
public static class FusedSsdModels
{
    /// <summary>Bump when <see cref="FusedSsdGraph"/>'s output changes on purpose.</summary>
    public const string BuilderVersion = "2";

    /// <inheritdoc cref="FusedSsdGraph.FramesInput"/>
    public const string FramesInput = FusedSsdGraph.FramesInput;

    /// <inheritdoc cref="FusedSsdGraph.ScoresOutput"/>
    public const string ScoresOutput = FusedSsdGraph.ScoresOutput;

    /// <inheritdoc cref="FusedSsdGraph.LabelsOutput"/>
    public const string LabelsOutput = FusedSsdGraph.LabelsOutput;

    /// <inheritdoc cref="FusedSsdGraph.BoxesOutput"/>
    public const string BoxesOutput = FusedSsdGraph.BoxesOutput;

    /// <inheritdoc cref="FusedSsdGraph.ConvergedOutput"/>
    public const string ConvergedOutput = FusedSsdGraph.ConvergedOutput;

    /// <summary>
    /// The fused file for SSD model <paramref name="id"/> at <paramref name="precision"/>, built into the cache when
    /// missing or stale. Raises what <see cref="ModelStore.Resolve"/> raises for the source model.
    /// </summary>
    public static FusedSsdModel Resolve(ModelStore store, string id, Precision precision, FusedSsdSpec spec)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        ResolvedModel source = store.Resolve(id, precision);
        string key = string.Create(CultureInfo.InvariantCulture,
            $"fused-ssd:{BuilderVersion};source-sha256:{ModelStore.FileHash(source.Path)};{spec.Key};assembly:{typeof(FusedSsdGraph).Assembly.ManifestModule.ModuleVersionId}");
        // One file per NMS form, so the unrolled file and its exact companion live side by side.
        string form = spec.Nms == FusedNms.Operator ? "-nms-op" : spec.NmsSteps > 0 ? string.Create(CultureInfo.InvariantCulture, $"-nms{spec.NmsSteps}") : string.Empty;
        string name = string.Create(CultureInfo.InvariantCulture, $"{id}-{precision.ToName()}-fused-{spec.FrameWidth}x{spec.FrameHeight}{form}");
        string path = store.EnsureDerived(name, key, () => FusedSsdGraph.Build(OnnxFiles.Read(source.Path), spec));
        return new FusedSsdModel(path, source, spec)
        {
            Exact = spec.NmsSteps > 0 ? Resolve(store, id, precision, spec with { NmsSteps = 0 }) : null,
        };
    }
}
