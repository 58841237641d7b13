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
/// What fp16 costs in output quality, measured as part of a run (after the timed cases, never inside them): the fp32
/// and fp16 files of a model run through the same pipeline on the same frames, and their raw outputs and final
/// results are compared. Written to <c>accuracy.csv</c> in the run folder, with <c>models.csv</c> (file sizes).
/// </summary>
internal static class PrecisionComparison
{
    /// <summary>Frames compared per model: enough for agreement rates, small enough to add seconds, not minutes.</summary>
    public const int Images = 8;

    private const int VideoSeed = 11;

    /// <summary>Compares every (model, backend) of <paramref name="rows"/> that ran ok in both precisions.</summary>
    public static void WriteForRun(string runDirectory, IReadOnlyList<ResultRow> rows, TextWriter log)
    {
        var store = new ModelStore(ModelStore.DefaultDirectory());
        var accuracy = new List<AccuracyRow>();
        var models = new List<ModelFileRow>();
        // Only rows of a model and an engine: EdgeBench's own micro-benchmarks (the frame-trace recording cost) have neither.
        rows = rows.Where(r => r.Model.Length > 0 && r.Backend.Length > 0).ToArray();
        foreach (string model in rows.Where(r => r.Status == CaseStatus.Ok).Select(r => r.Model).Distinct().Order(StringComparer.Ordinal))
        {
            foreach (Precision precision in (Precision[])[Precision.Fp32, Precision.Fp16])
            {
                ResolvedModel resolved = store.Resolve(model, precision);
                models.Add(new ModelFileRow(model, precision.ToName(), resolved.Source.ToString().ToLowerInvariant(), resolved.SizeBytes));
            }
        }

        var pairs = rows
            .Where(r => r.Status == CaseStatus.Ok)
            .GroupBy(r => (r.Model, Name: BackendNames.Join(r.Backend, r.Ep)))
            .Where(g => g.Any(r => r.Precision == "fp32") && g.Any(r => r.Precision == "fp16"))
            .Select(g => g.Key)
            .OrderBy(k => k.Model, StringComparer.Ordinal);
        foreach ((string model, string backend) in pairs)
        {
            try
            {
                accuracy.Add(Compare(store, model, backend, RunSettings.FromEnvironment().EffectiveThreads));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log.WriteLine($"accuracy: {model} on {backend} could not be compared: {e.Message}");
            }
        }

        SideFiles.WriteModels(runDirectory, models);
        if (accuracy.Count > 0)
        {
            SideFiles.WriteAccuracy(runDirectory, accuracy);
        }
    }

    /// <summary>Runs both precisions of one model on the same <see cref="Images"/> frames and compares them.</summary>
    public static AccuracyRow Compare(ModelStore store, string model, string backend, int threads)
    {
        var video = new SyntheticVideo(seed: VideoSeed);
        FrameBuffer[] frames = Enumerable.Range(0, Images).Select(i =>
        {
            byte[] pixels = new byte[video.FrameBytes];
            video.Render(i * 5, pixels);
            return FrameBuffer.Packed(video.Width, video.Height, PixelFormat.Rgb24, pixels);
        }).ToArray();

        using var fp32 = new VisionPipeline(BackendNames.Create(backend, store.Resolve(model, Precision.Fp32), 1, threads), video.Width, video.Height);
        using var fp16 = new VisionPipeline(BackendNames.Create(backend, store.Resolve(model, Precision.Fp16), 1, threads), video.Width, video.Height);
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
            Top1Agreement: descriptor.Family == ModelFamily.Classifier ? top1Agree / (double)Images : null,
            BoxAgreement: descriptor.Family == ModelFamily.Detector && referenceDetections > 0 ? matchedDetections / (double)referenceDetections : null,
            Notes: descriptor.Family == ModelFamily.Detector
                ? FormattableString.Invariant($"{referenceDetections / (double)Images:F1} fp32 detections per image")
                : string.Empty);
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
