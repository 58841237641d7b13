using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>The ONNX Runtime execution provider a session runs on (CPU always stays as the last fallback).</summary>
public enum OrtExecutionProvider
{
    Cpu,

    /// <summary>CUDA EP (cuDNN, cuBLAS), then CPU for nodes CUDA does not implement.</summary>
    Cuda,

    /// <summary>TensorRT EP, then CUDA for subgraphs TensorRT rejects, then CPU: ONNX Runtime's priority order.</summary>
    TensorRt,
}

/// <summary>
/// Where a session's inputs and outputs live, which is what separates the GPU rows of one provider in results. The
/// table of which Backend value runs which mode, through which class, is <c>BackendNames.Paths</c> (benchmarks).
/// </summary>
public enum OrtIo
{
    /// <summary>
    /// Host memory bound once. On a GPU provider ONNX Runtime copies the input to the device when it is bound and the
    /// outputs back inside the run ("host-copy": what a plain <c>session.Run</c> does); on the CPU provider nothing moves.
    /// </summary>
    Host,

    /// <summary>Device buffers bound once; the host copies are the caller's, each timed apart.</summary>
    DeviceBound,

    /// <summary><see cref="DeviceBound"/>, and the run replayed as one CUDA graph (<see cref="OrtBackendOptions.CudaGraph"/>).</summary>
    CudaGraph,
}

/// <summary>A GPU execution provider that cannot start here; <see cref="Exception.Message"/> says what is missing.</summary>
public sealed class ProviderUnavailableException : Exception
{
    public ProviderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ProviderUnavailableException(string message)
        : base(message)
    {
    }

    public ProviderUnavailableException()
    {
    }
}

/// <summary>
/// Appends execution providers to <see cref="SessionOptions"/> in ONNX Runtime's priority order with EdgeBench's
/// options, and turns their start-up failures into reasons a reader can act on (the missing library's name).
/// </summary>
public static partial class OrtProviders
{
    private static readonly ConcurrentDictionary<OrtExecutionProvider, string?> s_probes = new();

    /// <summary>ONNX Runtime's name of <paramref name="provider"/>, as <see cref="OrtBackend.AvailableProviders"/> lists it.</summary>
    public static string NativeName(OrtExecutionProvider provider) => provider switch
    {
        OrtExecutionProvider.Cpu => "CPUExecutionProvider",
        OrtExecutionProvider.Cuda => "CUDAExecutionProvider",
        OrtExecutionProvider.TensorRt => "TensorrtExecutionProvider",
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    /// <summary>The execution provider column of results: cpu, cuda, tensorrt.</summary>
    public static string ResultName(OrtExecutionProvider provider) => provider switch
    {
        OrtExecutionProvider.Cpu => "cpu",
        OrtExecutionProvider.Cuda => "cuda",
        OrtExecutionProvider.TensorRt => "tensorrt",
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    /// <summary>
    /// The execution provider column of results for a session on <paramref name="provider"/> with <paramref name="io"/>:
    /// cpu, cuda, cuda-bound, cuda-graph, tensorrt, tensorrt-bound (host-copy and device-bound rows of one provider
    /// kept apart).
    /// </summary>
    public static string ResultName(OrtExecutionProvider provider, OrtIo io) => ResultName(provider) + io switch
    {
        OrtIo.Host => string.Empty,
        OrtIo.DeviceBound => "-bound",
        OrtIo.CudaGraph => "-graph",
        _ => throw new ArgumentOutOfRangeException(nameof(io)),
    };

    /// <summary>
    /// Null when <paramref name="provider"/> can be appended here, else why not. With the CPU package the GPU providers
    /// are not compiled in; with the GPU package they are listed even where CUDA is missing, so the provider is
    /// appended once (which loads its library and the CUDA/cuDNN/TensorRT libraries it links) and the outcome kept
    /// for the process. A device that fails later (no GPU, driver too old) shows when the session is created.
    /// </summary>
    public static string? Unavailability(OrtExecutionProvider provider)
    {
        OrtNativeLibrary.EnsureConfigured();
        if (provider == OrtExecutionProvider.Cpu)
        {
            return null;
        }

        IReadOnlyList<string> available = OrtEnv.Instance().GetAvailableProviders();
        if (!available.Contains(NativeName(provider)))
        {
            return $"{NativeName(provider)} is not in this ONNX Runtime build (providers: {string.Join(", ", available)}); it needs the GPU build (-p:EdgeBenchGpu=true, see eng/gpu/README.md) or an ONNX Runtime library with it (EDGEBENCH_ORT_LIBRARY), and an NVIDIA GPU";
        }

        return s_probes.GetOrAdd(provider, static p =>
        {
            using var options = new SessionOptions();
            try
            {
                Append(options, new OrtBackendOptions { Provider = p }, engineCacheDirectory: null);
                return null;
            }
            catch (ProviderUnavailableException e)
            {
                return e.Message;
            }
        });
    }

    /// <summary>
    /// Appends the providers of <paramref name="backendOptions"/> in priority order: TensorRT, then CUDA on the same
    /// device, then (implicitly) CPU. Failures raise <see cref="ProviderUnavailableException"/> with the reason.
    /// </summary>
    /// <param name="sessionOptions">The caller owns and disposes them, also when this throws.</param>
    /// <param name="backendOptions">Provider, device id and TensorRT settings.</param>
    /// <param name="engineCacheDirectory">TensorRT engine cache folder; null disables the cache.</param>
    /// <param name="fp16">Whether TensorRT may build fp16 kernels (on for fp16 models, see <see cref="OrtBackendOptions.TensorRtFp16"/>).</param>
    internal static void Append(SessionOptions sessionOptions, OrtBackendOptions backendOptions, string? engineCacheDirectory, bool fp16 = false)
    {
        OrtExecutionProvider provider = backendOptions.Provider;
        if (backendOptions.CudaGraph && provider != OrtExecutionProvider.Cuda)
        {
            throw new ArgumentException($"CUDA graphs are a CUDA provider option; the provider is {NativeName(provider)}.", nameof(backendOptions));
        }

        string stage = NativeName(provider);
        try
        {
            if (provider == OrtExecutionProvider.TensorRt)
            {
                using var trt = new OrtTensorRTProviderOptions();
                var settings = new Dictionary<string, string>
                {
                    ["device_id"] = backendOptions.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["trt_fp16_enable"] = fp16 ? "1" : "0",
                };
                if (engineCacheDirectory is not null)
                {
                    Directory.CreateDirectory(engineCacheDirectory);
                    // Building an engine takes seconds to minutes; the cache (keyed by model, shapes, GPU and TensorRT
                    // version) makes later runs load it instead. The timing cache speeds up builds of new shapes.
                    settings["trt_engine_cache_enable"] = "1";
                    settings["trt_engine_cache_path"] = engineCacheDirectory;
                    settings["trt_timing_cache_enable"] = "1";
                    settings["trt_timing_cache_path"] = engineCacheDirectory;
                }

                trt.UpdateOptions(settings);
                sessionOptions.AppendExecutionProvider_Tensorrt(trt);
            }

            if (provider is OrtExecutionProvider.TensorRt or OrtExecutionProvider.Cuda)
            {
                stage = NativeName(OrtExecutionProvider.Cuda);
                using var cuda = new OrtCUDAProviderOptions();
                Dictionary<string, string> settings = CudaSettings(backendOptions);
                cuda.UpdateOptions(settings);
                sessionOptions.AppendExecutionProvider_CUDA(cuda);
            }
        }
        catch (OnnxRuntimeException e)
        {
            throw new ProviderUnavailableException(Describe(stage, e.Message), e);
        }
        catch (EntryPointNotFoundException e)
        {
            // A user-supplied library older than the managed API misses newer entry points.
            throw new ProviderUnavailableException($"{stage} could not start: the ONNX Runtime library lacks {e.Message}", e);
        }
    }

    /// <summary>
    /// CUDA provider options a user may set (<c>--cuda-options</c>), as ONNX Runtime's CUDA provider names them. The
    /// device, the CUDA graph and the stream are not among them: the backend value and the runner own those.
    /// </summary>
    public static IReadOnlyList<string> UserCudaOptionNames { get; } =
    [
        "prefer_nhwc", "use_tf32", "fuse_conv_bias", "cudnn_conv_algo_search", "cudnn_conv_use_max_workspace",
        "cudnn_conv1d_pad_to_nc1d", "do_copy_in_default_stream", "arena_extend_strategy", "gpu_mem_limit",
        "tunable_op_enable", "tunable_op_tuning_enable", "tunable_op_max_tuning_duration_ms",
        "use_ep_level_unified_stream", "enable_skip_layer_norm_strict_mode", "sdpa_kernel",
    ];

    /// <summary>
    /// The CUDA provider options a session of <paramref name="backendOptions"/> gets, in the order they are applied:
    /// EdgeBench's defaults, then the backend value's (CUDA graph, the runner's stream), then the user's
    /// (<see cref="OrtBackendOptions.CudaOptions"/>, which override the defaults). environment.json records this for
    /// the run, so a row's settings can always be read back.
    /// </summary>
    public static Dictionary<string, string> CudaSettings(OrtBackendOptions backendOptions)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = backendOptions.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Benchmarks want the fastest convolution algorithms; the search runs once per shape, in setup.
            ["cudnn_conv_algo_search"] = "EXHAUSTIVE",
        };
        if (backendOptions.CudaGraph)
        {
            settings["enable_cuda_graph"] = "1";
        }

        if (backendOptions.CudaStream != IntPtr.Zero)
        {
            settings["has_user_compute_stream"] = "1";
            settings["user_compute_stream"] = ((ulong)backendOptions.CudaStream).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach ((string key, string value) in backendOptions.CudaOptions)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>
    /// Parses <c>key=value[,key=value]</c> of <see cref="UserCudaOptionNames"/> (e.g. <c>prefer_nhwc=1,use_tf32=0</c>);
    /// an unknown or owned key, a missing value or a repeated key raises <see cref="ArgumentException"/> naming
    /// <paramref name="origin"/> and what is accepted. ONNX Runtime checks the values when the session starts.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseCudaOptions(string text, string origin)
    {
        var options = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? item : item[..eq].Trim();
            string value = eq < 0 ? string.Empty : item[(eq + 1)..].Trim();
            if (!UserCudaOptionNames.Contains(key))
            {
                string owned = key is "device_id" or "enable_cuda_graph" or "has_user_compute_stream" or "user_compute_stream"
                    ? " (the backend value and the runner set it: use --backend ort-cuda-graph for CUDA graphs)"
                    : string.Empty;
                throw new ArgumentException($"{origin}: '{key}' is not a CUDA provider option EdgeBench passes on{owned}; expected key=value pairs of {string.Join(", ", UserCudaOptionNames)}.");
            }

            if (value.Length == 0)
            {
                throw new ArgumentException($"{origin}: '{item}' has no value; expected key=value, e.g. prefer_nhwc=1.");
            }

            if (!options.TryAdd(key, value))
            {
                throw new ArgumentException($"{origin}: '{key}' is given twice.");
            }
        }

        return options;
    }

    /// <summary>The text form <see cref="ParseCudaOptions"/> reads (sorted by key); empty for none.</summary>
    public static string FormatCudaOptions(IReadOnlyDictionary<string, string> options) =>
        string.Join(',', options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}"));

    /// <summary>A skip reason from an ONNX Runtime error raised while <paramref name="provider"/> started.</summary>
    internal static string Describe(string provider, string message)
    {
        string? library = MissingLibrary(message);
        if (library is not null)
        {
            return $"{provider} could not start: {library} is missing ({LibraryHint(library)}; its folder must be on LD_LIBRARY_PATH)";
        }

        string firstLine = message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? message;
        return $"{provider} could not start: {firstLine}";
    }

    /// <summary>
    /// The shared library a dynamic-loader error names, e.g. <c>libcudnn.so.9</c> from "Failed to load library
    /// libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or
    /// directory"; null when the message names none.
    /// </summary>
    internal static string? MissingLibrary(string message)
    {
        Match match = LoaderError().Match(message);
        return match.Success ? match.Groups["lib"].Value : null;
    }

    /// <summary>What package or install provides <paramref name="library"/>.</summary>
    internal static string LibraryHint(string library) => library switch
    {
        _ when library.StartsWith("libnvinfer", StringComparison.Ordinal) || library.StartsWith("libnvonnxparser", StringComparison.Ordinal) => "TensorRT 10",
        _ when library.StartsWith("libcudnn", StringComparison.Ordinal) => "cuDNN 9",
        _ when library.StartsWith("libcublas", StringComparison.Ordinal) => "cuBLAS of CUDA 13",
        _ when library.StartsWith("libcudart", StringComparison.Ordinal) => "the CUDA 13 runtime",
        _ when library.StartsWith("libcufft", StringComparison.Ordinal) || library.StartsWith("libcurand", StringComparison.Ordinal) => "CUDA 13",
        _ when library.StartsWith("libcuda.so", StringComparison.Ordinal) => "the NVIDIA driver",
        _ when library.StartsWith("libonnxruntime_providers", StringComparison.Ordinal) => "the ONNX Runtime GPU package's provider library",
        _ => "a library the provider links",
    };

    // The loader reports "<what failed>: <soname>: cannot open shared object file"; the soname is the innermost one.
    [GeneratedRegex(@"(?<lib>lib[A-Za-z0-9_+\-]+\.so(?:\.[0-9]+)*): cannot open shared object file")]
    private static partial Regex LoaderError();
}
