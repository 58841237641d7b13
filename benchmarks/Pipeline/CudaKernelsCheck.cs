using System.Globalization;
using System.Runtime.InteropServices;
using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Postprocessing;
using EdgeBench.Preprocessing;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// The CUDA kernels path checked against EdgeBench's C# stages on the very same tensors, once, in setup (CI has no
/// GPU, so this is where that path is tested): the model input the preprocess kernel wrote against
/// <see cref="PreprocessReference"/> on the same frames, and the detections of the postprocess kernels against
/// <see cref="SsdPostprocessor"/> on the model outputs of the same run. Throws when they disagree beyond the last bits
/// of an exponential, so a wrong pipeline is never timed.
/// </summary>
internal static class CudaKernelsCheck
{
    /// <summary>Score and box coordinates may differ by this much (CUDA's expf vs .NET's: a few ulp of values below 1).</summary>
    public const float Tolerance = 1e-5f;

    /// <summary>
    /// Runs the pipeline on <paramref name="frames"/>, compares, and returns a one-line summary for the log.
    /// <paramref name="model"/> is the pipeline's model (input size and normalization).
    /// </summary>
    public static string Run(OrtCudaSsdPipeline pipeline, ModelDescriptor model, ReadOnlySpan<FrameBuffer> frames)
    {
        int images = frames.Length, boxes = SsdDefaultBoxes.Coco300.Count, classes = pipeline.Decode.SsdClassCount;
        return Detector(pipeline, model, frames, "CUDA kernels check", nameof(SsdPostprocessor), (half, expected) =>
        {
            byte[] locs = new byte[images * 4 * boxes * (half ? 2 : 4)];
            byte[] logits = new byte[images * classes * boxes * (half ? 2 : 4)];
            pipeline.DownloadModelOutputs(locs, logits);
            var postprocessor = new SsdPostprocessor(pipeline.Decode);
            if (half)
            {
                postprocessor.Process(MemoryMarshal.Cast<byte, Half>(locs), MemoryMarshal.Cast<byte, Half>(logits), images, expected);
            }
            else
            {
                postprocessor.Process(MemoryMarshal.Cast<byte, float>(locs), MemoryMarshal.Cast<byte, float>(logits), images, expected);
            }

            return string.Empty;
        });
    }

    /// <summary>
    /// YOLOv3-tiny's loop (<see cref="OrtCudaYoloPipeline"/>) as <see cref="Run"/> checks SSD300's: the model input
    /// against <see cref="PreprocessReference"/> bit for bit, the detections of the decode + NMS kernels against
    /// <see cref="YoloV3TinyPostprocessor"/> on the heads of the same run.
    /// </summary>
    public static string Yolo(OrtCudaYoloPipeline pipeline, ModelDescriptor model, ReadOnlySpan<FrameBuffer> frames)
    {
        int images = frames.Length;
        (int coarseElements, int fineElements) = pipeline.HeadElements;
        return Detector(pipeline, model, frames, "YOLO kernels check", nameof(YoloV3TinyPostprocessor), (half, expected) =>
        {
            byte[] coarse = new byte[images * coarseElements * (half ? 2 : 4)];
            byte[] fine = new byte[images * fineElements * (half ? 2 : 4)];
            pipeline.DownloadModelOutputs(coarse, fine);
            var postprocessor = new YoloV3TinyPostprocessor(pipeline.Decode);
            if (half)
            {
                postprocessor.Process(MemoryMarshal.Cast<byte, Half>(coarse), MemoryMarshal.Cast<byte, Half>(fine), images, expected);
            }
            else
            {
                postprocessor.Process(MemoryMarshal.Cast<byte, float>(coarse), MemoryMarshal.Cast<byte, float>(fine), images, expected);
            }

            return string.Create(CultureInfo.InvariantCulture, $"; {postprocessor.LastCandidateCount} candidates before NMS");
        });
    }

    /// <summary>The detections of a detector loop's last completed call, as an array (for <see cref="Pipelined"/>).</summary>
    public static Detection[] Detections(OrtCudaDetectorPipeline pipeline)
    {
        var detections = new List<Detection>();
        pipeline.ReadDetections(detections);
        return [.. detections];
    }

    /// <summary>The model input the last run's preprocess kernel wrote against <see cref="PreprocessReference"/> on the same frames.</summary>
    private static (int Elements, int Differing, float MaxDifference) CheckModelInput(OrtCudaPipeline pipeline, ReadOnlySpan<FrameBuffer> frames, ModelDescriptor model)
    {
        bool half = pipeline.Precision == Precision.Fp16;
        int inputElements = frames.Length * 3 * model.InputWidth * model.InputHeight;
        byte[] input = new byte[inputElements * (half ? 2 : 4)];
        pipeline.DownloadModelInput(input);
        (int differing, float maxInput) = CompareModelInput(input, frames, model, half);
        return (inputElements, differing, maxInput);
    }

    /// <summary>
    /// A detector loop against its C# stages: runs <paramref name="frames"/> once, compares the model input with
    /// <see cref="PreprocessReference"/> (bit for bit), has <paramref name="reference"/> (the family's postprocess on the
    /// model outputs of the same run, fp16 or fp32 as given; it returns a suffix for the summary) fill the expected
    /// detections, and compares those within <see cref="Tolerance"/>. Returns the one-line summary; throws it when
    /// anything differs.
    /// </summary>
    private static string Detector(OrtCudaDetectorPipeline pipeline, ModelDescriptor model, ReadOnlySpan<FrameBuffer> frames, string check,
        string referenceName, Func<bool, List<Detection>, string> reference)
    {
        pipeline.Run(frames);
        var actual = new List<Detection>();
        pipeline.ReadDetections(actual);
        (int inputElements, int differing, float maxInput) = CheckModelInput(pipeline, frames, model);
        var expected = new List<Detection>();
        string suffix = reference(pipeline.Precision == Precision.Fp16, expected);

        DetectionAgreement agreement = DetectionAgreement.Compare(expected, actual, Tolerance);
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{check}: model input {inputElements - differing} of {inputElements} values bit-identical to PreprocessReference (max difference {maxInput:G3}); detections {agreement.Matched} of {agreement.Expected} match {referenceName} on the same outputs ({agreement.Missing} missing, {agreement.Extra} extra, max score difference {agreement.MaxScoreDifference:G3}, max box difference {agreement.MaxBoxDifference:G3})");
        // The preprocess kernel does the reference's operations in its order without contraction, so its output is
        // expected bit for bit; any difference is a bug (or a GPU that rounds differently), never tolerated noise.
        if (!agreement.Agrees || differing != 0)
        {
            throw new InvalidOperationException(summary);
        }

        return summary + suffix;
    }

    /// <summary>
    /// The model input a preprocess kernel wrote (<paramref name="input"/>: [N,3,h,w], fp32 or fp16 bits) against
    /// <see cref="PreprocessReference"/> on the same <paramref name="frames"/>: how many values differ in any bit, and the
    /// largest difference among them.
    /// </summary>
    public static (int Differing, float MaxDifference) CompareModelInput(byte[] input, ReadOnlySpan<FrameBuffer> frames, ModelDescriptor model, bool half)
    {
        int inputElements = frames.Length * 3 * model.InputWidth * model.InputHeight;
        var reference = new float[inputElements];
        var referenceHalf = new Half[half ? inputElements : 0];
        for (int i = 0; i < frames.Length; i++)
        {
            if (half)
            {
                PreprocessReference.Run(frames[i], model, referenceHalf, i);
            }
            else
            {
                PreprocessReference.Run(frames[i], model, reference, i);
            }
        }

        int differing = 0;
        float maxInput = 0f;
        for (int i = 0; i < inputElements; i++)
        {
            float gpu = half ? (float)MemoryMarshal.Cast<byte, Half>(input)[i] : MemoryMarshal.Cast<byte, float>(input)[i];
            float cpu = half ? (float)referenceHalf[i] : reference[i];
            if (BitConverter.SingleToInt32Bits(gpu) != BitConverter.SingleToInt32Bits(cpu))
            {
                differing++;
                maxInput = MathF.Max(maxInput, MathF.Abs(gpu - cpu));
            }
        }

        return (differing, maxInput);
    }

    /// <summary>
    /// The classifier loop (<see cref="OrtCudaClassifierPipeline"/>) against the C# stages: its model input against
    /// <see cref="PreprocessReference"/> (bit for bit) and its top-k against <see cref="ClassificationPostprocessor"/> on
    /// the logits of the same run (the same host code, so exactly). Returns a one-line summary; throws on any difference.
    /// </summary>
    public static string Classifier(OrtCudaClassifierPipeline pipeline, ModelDescriptor model, ReadOnlySpan<FrameBuffer> frames)
    {
        int batch = pipeline.BatchSize, k = pipeline.TopK;
        bool half = pipeline.Precision == Precision.Fp16;
        pipeline.Run(frames);
        var actual = new ClassScore[batch * k];
        pipeline.ReadTopK(actual);
        (int inputElements, int differing, float maxInput) = CheckModelInput(pipeline, frames, model);
        int classes = (int)model.Outputs[0].Shape[1];
        byte[] logits = new byte[batch * classes * (half ? 2 : 4)];
        pipeline.DownloadLogits(logits);
        var expected = new ClassScore[batch * k];
        var postprocessor = new ClassificationPostprocessor();
        _ = half
            ? postprocessor.Process(MemoryMarshal.Cast<byte, Half>(logits), batch, expected)
            : postprocessor.Process(MemoryMarshal.Cast<byte, float>(logits), batch, expected);
        if (differing != 0 || !expected.AsSpan().SequenceEqual(actual))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Classifier loop check: model input {differing} values differ from PreprocessReference (max {maxInput:G3}); top-{k} {(expected.AsSpan().SequenceEqual(actual) ? "equal" : "differ")} to ClassificationPostprocessor on the same logits."));
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"classifier loop check: model input {inputElements} values bit-identical to PreprocessReference; top-{k} of {batch} image(s) equal to ClassificationPostprocessor on the same logits (best: class {actual[0].ClassId}, p {actual[0].Probability:G4})");
    }

    /// <summary>
    /// The double-buffered loop (<see cref="OrtCudaPipeline.RunPipelined"/>) against the synchronous one on three
    /// batches of <paramref name="frames"/>: the first pipelined call must return no results, each later one (and the
    /// drain) the previous batch's results exactly as <see cref="OrtCudaPipeline.Run"/> gave them (same kernels, same
    /// model, same inputs), as <paramref name="read"/> returns them. Returns a one-line summary; throws on any
    /// difference, so a loop that reads the wrong buffer is never timed, and when the buffers are not page-locked (the
    /// loop would overlap nothing).
    /// </summary>
    public static string Pipelined(OrtCudaPipeline pipeline, IReadOnlyList<FrameBuffer> frames, Func<Array> read)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(read);
        if (!pipeline.HostBuffersPageLocked)
        {
            throw new InvalidOperationException("Double-buffered loop check: CUDA did not page-lock the staging and result buffers (cudaHostRegister refused; RLIMIT_MEMLOCK?), so copies are synchronous and the loop would overlap nothing.");
        }

        const int Calls = 3;
        int batch = pipeline.BatchSize;
        var batches = new FrameBuffer[Calls][];
        var expected = new Array[Calls];
        for (int c = 0; c < Calls; c++)
        {
            // Batch c starts at frame c: no two batches put the same frame at the same image index, whatever the ring's
            // length, so results from the wrong call cannot pass for the right ones.
            batches[c] = [.. Enumerable.Range(0, batch).Select(i => frames[(c + i) % frames.Count])];
            pipeline.Run(batches[c]);
            expected[c] = read();
        }

        if (pipeline.RunPipelined(batches[0]) || read().Length != 0)
        {
            throw new InvalidOperationException("Double-buffered loop check: the first call returned results; it has no previous call.");
        }

        int compared = 0;
        for (int c = 1; c <= Calls; c++)
        {
            if (c < Calls)
            {
                if (!pipeline.RunPipelined(batches[c]))
                {
                    throw new InvalidOperationException($"Double-buffered loop check: call {c} reported no previous results.");
                }
            }
            else
            {
                pipeline.Drain();
            }

            Array actual = read();
            if (!expected[c - 1].Cast<object>().SequenceEqual(actual.Cast<object>()))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Double-buffered loop check: after call {c}, the results differ from batch {c - 1}'s synchronous run ({actual.Length} against {expected[c - 1].Length})."));
            }

            compared += actual.Length;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"double-buffered loop check: {Calls} batches, {compared} results, each batch's bit-identical to the synchronous loop's and in its order, returned one call later");
    }
}
