using EdgeBench.Core;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// Creates the <see cref="SessionOptions"/> and <see cref="InferenceSession"/> both ONNX Runtime backends share, and
/// owns them: options are disposed when a provider append or the session creation throws.
/// </summary>
internal sealed class OrtSession : IDisposable
{
    /// <summary>
    /// A folder: when set, every session records ONNX Runtime's profile (one JSON per session: each node's time,
    /// op type and execution provider) there, written when the session is disposed. For finding where a graph
    /// spends its time and which nodes fell back to the CPU provider; profiling adds work to every run, so the
    /// timings of such a run are not for comparison. `eng/gpu/ort-profile-summary.py` aggregates the files.
    /// </summary>
    public const string ProfileDirectoryVariable = "EDGEBENCH_ORT_PROFILE";

    private readonly SessionOptions _options;
    private readonly bool _profiling;

    private OrtSession(SessionOptions options, InferenceSession session, bool profiling)
    {
        _options = options;
        Session = session;
        _profiling = profiling;
    }

    public InferenceSession Session { get; }

    /// <summary>
    /// A session for <paramref name="model"/> on the provider of <paramref name="options"/>. Raises
    /// <see cref="ProviderUnavailableException"/> when the provider cannot start (missing library, no device) and
    /// <see cref="ModelFileException"/> when ONNX Runtime cannot load the file.
    /// </summary>
    public static OrtSession Create(ResolvedModel model, OrtBackendOptions options)
    {
        OrtNativeLibrary.EnsureConfigured();
        if (options.Provider != OrtExecutionProvider.Cpu && OrtProviders.Unavailability(options.Provider) is { } reason)
        {
            throw new ProviderUnavailableException(reason);
        }

        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.OptimizationLevel,
            IntraOpNumThreads = options.IntraOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            string cache = options.TensorRtEngineCacheDirectory
                ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(model.Path))!, "trt-cache");
            OrtProviders.Append(sessionOptions, options, cache, options.TensorRtFp16 ?? model.Precision == Precision.Fp16);
            bool profiling = false;
            if (Environment.GetEnvironmentVariable(ProfileDirectoryVariable) is { Length: > 0 } profileDirectory)
            {
                Directory.CreateDirectory(profileDirectory);
                // The prefix first: the managed setter of EnableProfiling passes the current prefix to ONNX Runtime.
                sessionOptions.ProfileOutputPathPrefix = Path.Combine(profileDirectory, Path.GetFileNameWithoutExtension(model.Path) + "-" + OrtProviders.ResultName(options.Provider));
                sessionOptions.EnableProfiling = true;
                profiling = true;
            }

            return new OrtSession(sessionOptions, new InferenceSession(model.Path, sessionOptions), profiling);
        }
        catch (OnnxRuntimeException e) when (options.Provider != OrtExecutionProvider.Cpu && IsDeviceError(e.Message))
        {
            sessionOptions.Dispose();
            throw new ProviderUnavailableException(OrtProviders.Describe(OrtProviders.NativeName(options.Provider), e.Message), e);
        }
        catch (OnnxRuntimeException e)
        {
            sessionOptions.Dispose();
            throw new ModelFileException(model.Path, $"ONNX Runtime cannot load it: {e.Message}", e);
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    /// <summary>The element type of a model input or output as EdgeBench's precision (float or float16 only).</summary>
    public static Precision ElementPrecision(NodeMetadata node, string name, bool isInput) => node.ElementDataType switch
    {
        TensorElementType.Float => Precision.Fp32,
        TensorElementType.Float16 => Precision.Fp16,
        _ => throw new NotSupportedException($"{(isInput ? "Input" : "Output")} '{name}' has element type {node.ElementDataType}; EdgeBench handles float and float16."),
    };

    /// <summary>The metadata of <paramref name="spec"/> in the session, or a <see cref="ModelFileException"/>.</summary>
    public NodeMetadata Metadata(string path, TensorSpec spec, bool isInput)
    {
        IReadOnlyDictionary<string, NodeMetadata> metadata = isInput ? Session.InputMetadata : Session.OutputMetadata;
        return metadata.TryGetValue(spec.Name, out NodeMetadata? node)
            ? node
            : throw new ModelFileException(path, $"has no {(isInput ? "input" : "output")} '{spec.Name}' (it has: {string.Join(", ", metadata.Keys)})");
    }

    public void Dispose()
    {
        if (_profiling)
        {
            Session.EndProfiling(); // writes <prefix>_<timestamp>.json
        }

        Session.Dispose();
        _options.Dispose();
    }

    // Errors of the device rather than the file: CUDA failures (no device, driver too old, out of memory), cuDNN and
    // TensorRT failures, and libraries loaded late.
    private static bool IsDeviceError(string message) =>
        message.Contains("CUDA", StringComparison.OrdinalIgnoreCase)
        || message.Contains("cudnn", StringComparison.OrdinalIgnoreCase)
        || message.Contains("TensorRT", StringComparison.OrdinalIgnoreCase)
        || message.Contains("cannot open shared object file", StringComparison.Ordinal);
}
