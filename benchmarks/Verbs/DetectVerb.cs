using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Footage;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Postprocessing;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>detect --model ID --input PATH [--out DIR] [--backend B] [--precision P] [--max-frames N]</c>: the model's whole
/// pipeline (the same <see cref="IVisionPipeline"/> the benchmarks time) on an image, a folder of images or a video,
/// writing <c>detections.json</c> and one annotated PNG per frame. It is how a user checks that a model and its
/// sidecar are right (input layout, channel order, resize, head, thresholds, class names) before trusting a timing.
/// </summary>
/// <remarks>
/// Boxes are in the input's own pixels: every head returns boxes relative to the model input, and the model's
/// <see cref="FrameMapping"/> (stretch or letterbox, the one the preprocess used) maps them back. A folder's images may
/// differ in size: the pipeline is rebuilt when the size changes and only one is alive at a time (each holds an ONNX
/// Runtime session with its own threads, or a GPU session), so a folder of many sizes costs time, not memory.
/// </remarks>
internal static class DetectVerb
{
    public const string ResultFile = "detections.json";

    /// <summary>
    /// Frames processed when --max-frames is not given. A video's or camera's frames are decoded before the first
    /// detection (FootageReader), so the cap bounds memory too: 100 frames of 1080p RGB are 620 MB.
    /// </summary>
    private const int DefaultMaxFrames = 100;

    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "ID", Description = "a catalog id or your own models/<id>.onnx with its <id>.json", Required = true };
        var input = new Option<string>("--input") { HelpName = "PATH", Description = "an image, a folder of .jpg/.png/.ppm images, a .y4m or video file, or a camera (/dev/video0)", Required = true };
        var output = new Option<string?>("--out") { HelpName = "DIR", Description = "where detections.json and the annotated PNGs go [default: detect/<model>]" };
        var backend = new Option<string>("--backend") { HelpName = "B", Description = $"one of {string.Join(", ", BackendNames.All)}", DefaultValueFactory = _ => BackendNames.OrtCpu };
        var precision = new Option<string>("--precision") { HelpName = "P", Description = "fp32, fp16 or int8 (calibrated on the synthetic video, or EDGEBENCH_FRAMES)", DefaultValueFactory = _ => "fp32" };
        var maxFrames = new Option<int>("--max-frames") { HelpName = "N", Description = "frames to process at most (a video's are decoded first: 100 frames of 1080p take 620 MB)", DefaultValueFactory = _ => DefaultMaxFrames };
        var command = new Command("detect", """
            Runs a model's whole pipeline on an image, a folder or a video and writes detections.json (per frame: class
            id, class name where the model's sidecar lists names, score, box x1,y1,x2,y2 in the input's own pixels; top-5
            classes for a classifier) and an annotated PNG per frame. Check a model and its sidecar with it before
            timing them.
            """)
        {
            model, input, output, backend, precision, maxFrames,
        };
        command.SetAction(result => Run(
            new DetectRequest(
                result.GetRequiredValue(model),
                result.GetRequiredValue(input),
                result.GetValue(output),
                result.GetRequiredValue(backend),
                result.GetRequiredValue(precision),
                result.GetValue(maxFrames)),
            result.InvocationConfiguration.Output,
            result.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>What to detect on, and with what.</summary>
    internal sealed record DetectRequest(string Model, string Input, string? Output, string Backend, string Precision, int MaxFrames);

    internal static int Run(DetectRequest request, TextWriter output, TextWriter error)
    {
        try
        {
            string folder = Detect(request, output);
            output.WriteLine($"wrote {Path.Combine(folder, ResultFile)} and the annotated frames in {folder}");
            return VerbDispatcher.Ok;
        }
        catch (Exception e) when (e is ArgumentException or FootageException or ModelFileException or KeyNotFoundException
            or CaseSkippedException or OrtLibraryException or IOException or UnauthorizedAccessException)
        {
            // What a user can fix (a flag, a file, a model or its sidecar) is one line; anything else is a bug and
            // keeps its stack trace.
            error.WriteLine($"error: {e.Message}");
            return VerbDispatcher.Error;
        }
    }

    private static string Detect(DetectRequest request, TextWriter log)
    {
        if (!BackendNames.All.Contains(request.Backend))
        {
            throw new ArgumentException($"--backend: '{request.Backend}' is not a backend; expected one of {string.Join(", ", BackendNames.All)}.");
        }

        if (!PrecisionNames.TryParse(request.Precision, out Precision precision))
        {
            throw new ArgumentException($"--precision: '{request.Precision}' is not a precision; expected fp32, fp16 or int8.");
        }

        if (request.MaxFrames < 1)
        {
            throw new ArgumentException($"--max-frames: {request.MaxFrames} is not a frame count; expected 1 or more.");
        }

        (bool available, string reason) = BackendNames.Availability(request.Backend);
        if (!available)
        {
            throw new ArgumentException($"--backend: {request.Backend} cannot run here: {reason}.");
        }

        var store = Int8Calibration.Store(RunSettings.FromEnvironment());
        ResolvedModel model = store.Resolve(request.Model, precision);
        ModelDescriptor descriptor = model.Descriptor;
        if (descriptor.Postprocess == PostprocessKind.None)
        {
            throw new ArgumentException($"--model: {request.Model} has no postprocess (a feature extractor): there is nothing to detect or classify.");
        }

        string folder = Path.GetFullPath(request.Output ?? Path.Combine("detect", request.Model));
        if (Directory.Exists(request.Input) && Path.GetFullPath(request.Input).TrimEnd('/') == folder.TrimEnd('/'))
        {
            throw new ArgumentException($"--out: {folder} is the input folder; choose another folder for the annotated images.");
        }

        Directory.CreateDirectory(folder);
        IVisionPipeline? pipeline = null;
        (int Width, int Height) pipelineSize = (0, 0);
        string temporary = Path.Combine(folder, ResultFile + ".tmp");
        try
        {
            using (FileStream file = File.Create(temporary))
            using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteString("model", request.Model);
                json.WriteString("model_file", model.Path);
                json.WriteString("precision", precision.ToName());
                json.WriteString("backend", request.Backend);
                json.WriteString("input", Path.GetFullPath(request.Input));
                json.WriteString("boxes", "x1,y1,x2,y2 in the input's own pixels");
                json.WriteStartArray("frames");
                int frames = 0, results = 0;
                foreach (SourceFrame frame in SourceFrames.Read(request.Input, request.MaxFrames))
                {
                    if (pipeline is null || pipelineSize != (frame.Width, frame.Height))
                    {
                        pipeline?.Dispose();
                        pipeline = null;
                        pipeline = BackendNames.CreatePipeline(request.Backend, model, 1, Environment.ProcessorCount, frame.Width, frame.Height);
                        pipelineSize = (frame.Width, frame.Height);
                    }

                    results += WriteFrame(json, folder, frame, pipeline, descriptor);
                    frames++;
                }

                json.WriteEndArray();
                json.WriteEndObject();
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{request.Model} ({precision.ToName()}, {request.Backend}): {frames} frame{(frames == 1 ? "" : "s")}, {results} {(descriptor.Family == ModelFamily.Classifier ? "top-k entries" : "detections")}"));
            }

            File.Move(temporary, Path.Combine(folder, ResultFile), overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
            pipeline?.Dispose();
        }

        return folder;
    }

    /// <summary>Runs one frame through the pipeline, writes its JSON object and its annotated PNG; returns its result count.</summary>
    private static int WriteFrame(Utf8JsonWriter json, string folder, SourceFrame frame, IVisionPipeline pipeline, ModelDescriptor descriptor)
    {
        // The pipeline takes frames as a camera decoder delivers them (BGR24), as the benchmarks feed it.
        byte[] bgr = new byte[frame.Rgb.Length];
        FrameTensor.SwapRedBlueReference(frame.Rgb, bgr);
        FrameBuffer[] batch = [FrameBuffer.Packed(frame.Width, frame.Height, PixelFormat.Bgr24, bgr)];
        int count = pipeline.ProcessBatch(batch);

        json.WriteStartObject();
        json.WriteString("frame", frame.Name);
        json.WriteNumber("width", frame.Width);
        json.WriteNumber("height", frame.Height);
        var annotations = new List<Annotation>();
        if (descriptor.Family == ModelFamily.Classifier)
        {
            json.WriteStartArray("classes");
            foreach (ClassScore score in pipeline.ClassScores)
            {
                json.WriteStartObject();
                json.WriteNumber("class_id", score.ClassId);
                WriteName(json, descriptor, score.ClassId);
                json.WriteNumber("score", Math.Round(score.Probability, 5));
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }
        else
        {
            FrameMapping mapping = FrameMapping.For(descriptor.Preprocessing.Resize, frame.Width, frame.Height, descriptor.InputWidth, descriptor.InputHeight);
            json.WriteStartArray("detections");
            foreach (Detection detection in pipeline.Detections)
            {
                BoundingBox box = mapping.MapRelativeToFrame(detection.Box);
                json.WriteStartObject();
                json.WriteNumber("class_id", detection.ClassId);
                string name = WriteName(json, descriptor, detection.ClassId);
                json.WriteNumber("score", Math.Round(detection.Score, 5));
                json.WriteStartArray("box");
                json.WriteNumberValue(Math.Round(box.Left, 2));
                json.WriteNumberValue(Math.Round(box.Top, 2));
                json.WriteNumberValue(Math.Round(box.Right, 2));
                json.WriteNumberValue(Math.Round(box.Bottom, 2));
                json.WriteEndArray();
                json.WriteEndObject();
                annotations.Add(new Annotation(box, detection.ClassId, string.Create(CultureInfo.InvariantCulture, $"{name} {detection.Score:0.00}")));
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        // <name>.annotated.png: a.jpg and a.png of one folder keep apart, and no input file is ever overwritten.
        AnnotatedImage.WritePng(Path.Combine(folder, frame.Name + ".annotated.png"), frame.Rgb, frame.Width, frame.Height, annotations);
        return count;
    }

    /// <summary>Writes <c>class_name</c> where the model lists names; returns the name, or the id as text.</summary>
    private static string WriteName(Utf8JsonWriter json, ModelDescriptor descriptor, int classId)
    {
        if (classId >= 0 && classId < descriptor.ClassNames.Count)
        {
            json.WriteString("class_name", descriptor.ClassNames[classId]);
            return descriptor.ClassNames[classId];
        }

        return classId.ToString(CultureInfo.InvariantCulture);
    }
}
