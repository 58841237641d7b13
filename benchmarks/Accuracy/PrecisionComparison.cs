using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Pipeline.Quality;
using EdgeBench.Preprocessing;
using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.Benchmarks.Accuracy;

/// <summary>
/// What fp16 and int8 cost in output quality, measured as part of a run (after the timed cases, never inside them):
/// the fp32 file of a model and its fp16 or int8 file run through the same pipeline on the same frames, and their raw
/// outputs and final results are compared. Written to <c>accuracy.csv</c> in the run folder (one row per model,
/// backend and compared precision), with <c>models.csv</c> (file sizes).
/// </summary>
/// <remarks>
/// The comparison frames (seed 11) are not the int8 calibration frames (the run's ring, seed 1, or its footage), so
/// int8's agreement is measured on frames its ranges were not fitted to. A feature extractor (the trained ResNet-18)
/// has no classes; its top-1 is the strongest of its features, the same argmax a classifier head's top-1 is.
/// Generated models have seeded random weights: their rows say so in <c>notes</c>, as their agreement measures the
/// precision's numerics, not task accuracy.
/// </remarks>
internal static class PrecisionComparison
{
    /// <summary>Frames compared per model: enough for agreement rates, small enough to add seconds, not minutes.</summary>
    public const int Images = 8;

    private const int VideoSeed = 11;

    /// <summary>Compares every (model, backend) of <paramref name="rows"/> that ran ok in both precisions.</summary>
    public static void WriteForRun(string runDirectory, IReadOnlyList<ResultRow> rows, TextWriter log)
    {
        ModelStore store = Int8Calibration.Store(RunSettings.FromEnvironment());
        var accuracy = new List<AccuracyRow>();
        var models = new List<ModelFileRow>();
        // Only rows of a model and an engine: EdgeBench's own micro-benchmarks (the frame-trace recording cost) have neither.
        rows = rows.Where(r => r.Model.Length > 0 && r.Backend.Length > 0).ToArray();
        foreach (string model in rows.Where(r => r.Status == CaseStatus.Ok).Select(r => r.Model).Distinct().Order(StringComparer.Ordinal))
        {
            // int8 files are listed only where int8 ran: resolving one that was never built would quantize it here.
            bool int8Ran = rows.Any(r => r.Model == model && r.Precision == "int8" && r.Status == CaseStatus.Ok);
            foreach (Precision precision in int8Ran ? (Precision[])[Precision.Fp32, Precision.Fp16, Precision.Int8] : [Precision.Fp32, Precision.Fp16])
            {
                ResolvedModel resolved = store.Resolve(model, precision);
                models.Add(new ModelFileRow(model, precision.ToName(), resolved.Source.ToString().ToLowerInvariant(), resolved.SizeBytes));
            }
        }

        var pairs = rows
            .Where(r => r.Status == CaseStatus.Ok)
            .GroupBy(r => (r.Model, Name: BackendNames.Join(r.Backend, r.Ep)))
            .Where(g => g.Any(r => r.Precision == "fp32"))
            .SelectMany(g => ((Precision[])[Precision.Fp16, Precision.Int8])
                .Where(p => g.Any(r => r.Precision == p.ToName()))
                .Select(p => (g.Key.Model, Backend: g.Key.Name, Precision: p)))
            .OrderBy(k => k.Model, StringComparer.Ordinal).ThenBy(k => k.Precision);
        foreach ((string model, string backend, Precision precision) in pairs)
        {
            try
            {
                accuracy.Add(Compare(store, model, backend, RunSettings.FromEnvironment().EffectiveThreads, precision));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log.WriteLine($"accuracy: {model} {precision.ToName()} on {backend} could not be compared: {e.Message}");
            }
        }

        SideFiles.WriteModels(runDirectory, models);
        if (accuracy.Count > 0)
        {
            SideFiles.WriteAccuracy(runDirectory, accuracy);
        }
    }

    /// <summary>Runs fp32 and <paramref name="precision"/> of one model on the same <see cref="Images"/> frames and compares them.</summary>
    public static AccuracyRow Compare(ModelStore store, string model, string backend, int threads, Precision precision = Precision.Fp16)
    {
        var video = new SyntheticVideo(seed: VideoSeed);
        FrameBuffer[] frames = Enumerable.Range(0, Images).Select(i =>
        {
            byte[] pixels = new byte[video.FrameBytes];
            video.Render(i * 5, pixels);
            return FrameBuffer.Packed(video.Width, video.Height, PixelFormat.Rgb24, pixels);
        }).ToArray();

        using var fp32 = new VisionPipeline(BackendNames.Create(backend, store.Resolve(model, Precision.Fp32), 1, threads), video.Width, video.Height);
        ResolvedModel compared = store.Resolve(model, precision);
        using var fp16 = new VisionPipeline(BackendNames.Create(backend, compared, 1, threads), video.Width, video.Height);
        ModelDescriptor descriptor = fp32.Model;
        var cosines = new List<double>();
        double maxAbs = 0;
        int top1Agree = 0, referenceDetections = 0, matchedDetections = 0;
        foreach (FrameBuffer frame in frames)
        {
            fp32.ProcessBatch([frame]);
            fp16.ProcessBatch([frame]);
            float[] a = Flatten(fp32.Backend.Outputs), b = Flatten(fp16.Backend.Outputs);
            cosines.Add(OutputComparison.Cosine(a, b));
            maxAbs = Math.Max(maxAbs, OutputComparison.MaxAbsDifference(a, b));
            switch (descriptor.Family)
            {
                case ModelFamily.Classifier:
                    top1Agree += fp32.ClassScores[0].ClassId == fp16.ClassScores[0].ClassId ? 1 : 0;
                    break;
                case ModelFamily.FeatureExtractor:
                    top1Agree += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(a) == System.Numerics.Tensors.TensorPrimitives.IndexOfMax(b) ? 1 : 0;
                    break;
                case ModelFamily.Detector:
                    referenceDetections += fp32.Detections.Count;
                    matchedDetections += OutputComparison.MatchedDetections(fp32.Detections, fp16.Detections);
                    break;
            }
        }

        (string engine, string ep) = BackendNames.Split(backend);
        return new AccuracyRow(
            model,
            engine,
            ep,
            Batch: 1,
            Images,
            CosineMin: cosines.Min(),
            CosineMean: cosines.Average(),
            MaxAbsError: maxAbs,
            Top1Agreement: descriptor.Family is ModelFamily.Classifier or ModelFamily.FeatureExtractor ? top1Agree / (double)Images : null,
            BoxAgreement: descriptor.Family == ModelFamily.Detector && referenceDetections > 0 ? matchedDetections / (double)referenceDetections : null,
            Notes: string.Join("; ", new[]
            {
                compared.Source == ModelSource.Generated ? "random-weight model: agreement measures numerics, not task accuracy" : null,
                descriptor.Family == ModelFamily.FeatureExtractor ? "top-1: the strongest feature (no classifier head)" : null,
                descriptor.Family == ModelFamily.Detector ? FormattableString.Invariant($"{referenceDetections / (double)Images:F1} fp32 detections per image") : null,
            }.Where(n => n is not null)),
            Precision: precision.ToName());
    }

    /// <summary>All outputs of one run as one float vector (fp16 widened), so a single cosine covers the model.</summary>
    private static float[] Flatten(IReadOnlyList<HostTensor> outputs)
    {
        var values = new float[outputs.Sum(o => o.ElementCount)];
        int offset = 0;
        foreach (HostTensor output in outputs)
        {
            Span<float> target = values.AsSpan(offset, output.ElementCount);
            if (output.ElementType == Precision.Fp16)
            {
                System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(output.AsHalf(), target);
            }
            else
            {
                output.AsFloat().CopyTo(target);
            }

            offset += output.ElementCount;
        }

        return values;
    }
}
