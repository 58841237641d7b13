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
        pipeline.Run(frames);
        var actual = new List<Detection>();
        pipeline.ReadDetections(actual);

        bool half = pipeline.Precision == Precision.Fp16;
        int inputElements = frames.Length * 3 * model.InputWidth * model.InputHeight;
        byte[] input = new byte[inputElements * (half ? 2 : 4)];
        pipeline.DownloadModelInput(input);
        (int differing, float maxInput) = CompareModelInput(input, frames, model, half);

        int boxes = SsdDefaultBoxes.Coco300.Count, classes = pipeline.Decode.SsdClassCount;
        byte[] locs = new byte[frames.Length * 4 * boxes * (half ? 2 : 4)];
        byte[] logits = new byte[frames.Length * classes * boxes * (half ? 2 : 4)];
        pipeline.DownloadModelOutputs(locs, logits);
        var expected = new List<Detection>();
        var postprocessor = new SsdPostprocessor(pipeline.Decode);
        if (half)
        {
            postprocessor.Process(MemoryMarshal.Cast<byte, Half>(locs), MemoryMarshal.Cast<byte, Half>(logits), frames.Length, expected);
        }
        else
        {
            postprocessor.Process(MemoryMarshal.Cast<byte, float>(locs), MemoryMarshal.Cast<byte, float>(logits), frames.Length, expected);
        }

        DetectionAgreement agreement = DetectionAgreement.Compare(expected, actual, Tolerance);
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"CUDA kernels check: model input {inputElements - differing} of {inputElements} values bit-identical to PreprocessReference (max difference {maxInput:G3}); detections {agreement.Matched} of {agreement.Expected} match SsdPostprocessor on the same outputs ({agreement.Missing} missing, {agreement.Extra} extra, max score difference {agreement.MaxScoreDifference:G3}, max box difference {agreement.MaxBoxDifference:G3})");
        // The preprocess kernel does the reference's operations in its order without contraction, so its output is
        // expected bit for bit; any difference is a bug (or a GPU that rounds differently), never tolerated noise.
        if (!agreement.Agrees || differing != 0)
        {
            throw new InvalidOperationException(summary);
        }

        return summary;
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
    /// <see cref="PreprocessReference"/> (bit for bit), its top-k against <see cref="ClassificationPostprocessor"/> on the
    /// logits of the same run (the same host code, so exactly), and the double-buffered loop against the synchronous one
    /// on three batches (nothing on the first call, then each batch's top-k one call later, bit-identical). Returns a
    /// one-line summary; throws on any difference.
    /// </summary>
    public static string Classifier(OrtCudaClassifierPipeline pipeline, ModelDescriptor model, IReadOnlyList<FrameBuffer> frames)
    {
        if (!pipeline.HostBuffersPageLocked)
        {
            throw new InvalidOperationException("Classifier loop check: CUDA did not page-lock the staging and logits buffers (cudaHostRegister refused; RLIMIT_MEMLOCK?), so copies are synchronous and the loop would overlap nothing.");
        }

        int batch = pipeline.BatchSize, k = pipeline.TopK;
        bool half = pipeline.Precision == Precision.Fp16;
        FrameBuffer[] first = [.. frames.Take(batch)];
        pipeline.Run(first);
        var actual = new ClassScore[batch * k];
        pipeline.ReadTopK(actual);
        byte[] input = new byte[batch * 3 * model.InputWidth * model.InputHeight * (half ? 2 : 4)];
        pipeline.DownloadModelInput(input);
        (int differing, float maxInput) = CompareModelInput(input, first, model, half);
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

        const int Calls = 3;
        var batches = new FrameBuffer[Calls][];
        var synchronous = new ClassScore[Calls][];
        for (int c = 0; c < Calls; c++)
        {
            batches[c] = [.. Enumerable.Range(0, batch).Select(i => frames[(c + i) % frames.Count])];
            pipeline.Run(batches[c]);
            synchronous[c] = new ClassScore[batch * k];
            pipeline.ReadTopK(synchronous[c]);
        }

        var pipelined = new ClassScore[batch * k];
        if (pipeline.RunPipelined(batches[0]) || pipeline.ReadTopK(pipelined) != 0)
        {
            throw new InvalidOperationException("Classifier loop check: the first pipelined call returned results; it has no previous call.");
        }

        for (int c = 1; c <= Calls; c++)
        {
            if (c < Calls)
            {
                pipeline.RunPipelined(batches[c]);
            }
            else
            {
                pipeline.Drain();
            }

            pipeline.ReadTopK(pipelined);
            if (!synchronous[c - 1].AsSpan().SequenceEqual(pipelined))
            {
                throw new InvalidOperationException($"Classifier loop check: after pipelined call {c}, the top-{k} differ from batch {c - 1}'s synchronous run.");
            }
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"classifier loop check: model input {input.Length / (half ? 2 : 4)} values bit-identical to PreprocessReference; top-{k} of {batch} image(s) equal to ClassificationPostprocessor on the same logits (best: class {actual[0].ClassId}, p {actual[0].Probability:G4}); double-buffered loop: {Calls} batches, each equal to the synchronous loop's, one call later");
    }

    /// <summary>
    /// The double-buffered loop (<see cref="OrtCudaSsdPipeline.RunPipelined"/>) against the synchronous one on three
    /// batches of <paramref name="frames"/>: the first pipelined call must return no detections, each later one (and
    /// the drain) the previous batch's detections exactly as <see cref="OrtCudaSsdPipeline.Run"/> gave them (same
    /// kernels, same model, same inputs). Returns a one-line summary; throws on any difference, so a loop that reads
    /// the wrong buffer is never timed, and when the buffers are not page-locked (the loop would overlap nothing).
    /// </summary>
    public static string Pipelined(OrtCudaSsdPipeline pipeline, IReadOnlyList<FrameBuffer> frames)
    {
        if (!pipeline.HostBuffersPageLocked)
        {
            throw new InvalidOperationException("Double-buffered loop check: CUDA did not page-lock the staging and result buffers (cudaHostRegister refused; RLIMIT_MEMLOCK?), so copies are synchronous and the loop would overlap nothing.");
        }

        const int Calls = 3;
        int batch = pipeline.BatchSize;
        var batches = new FrameBuffer[Calls][];
        var expected = new List<Detection>[Calls];
        for (int c = 0; c < Calls; c++)
        {
            // Batch c starts at frame c: no two batches put the same frame at the same image index, whatever the ring's
            // length, so results from the wrong call cannot pass for the right ones.
            batches[c] = [.. Enumerable.Range(0, batch).Select(i => frames[(c + i) % frames.Count])];
            pipeline.Run(batches[c]);
            expected[c] = [];
            pipeline.ReadDetections(expected[c]);
        }

        var actual = new List<Detection>();
        if (pipeline.RunPipelined(batches[0]) || pipeline.ReadDetections(actual) != 0)
        {
            throw new InvalidOperationException("Double-buffered loop check: the first call returned detections; it has no previous call.");
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

            pipeline.ReadDetections(actual);
            if (!expected[c - 1].SequenceEqual(actual))
            {
                DetectionAgreement agreement = DetectionAgreement.Compare(expected[c - 1], actual, Tolerance);
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Double-buffered loop check: after call {c}, the detections differ from batch {c - 1}'s synchronous run ({actual.Count} against {expected[c - 1].Count}; {agreement.Matched} within {Tolerance}, max score difference {agreement.MaxScoreDifference:G3})."));
            }

            compared += actual.Count;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"double-buffered loop check: {Calls} batches, {compared} detections, each batch's bit-identical to the synchronous loop's and in its order, returned one call later");
    }
}
