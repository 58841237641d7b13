using EdgeBench.Core;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The one owner of an ONNX Runtime session and what a run needs beside it: the <see cref="SessionOptions"/> (execution
/// providers appended), the <see cref="InferenceSession"/>, its <see cref="RunOptions"/>, its <see cref="OrtIoBinding"/>,
/// in device-bound mode the <see cref="DeviceBuffers"/> (the CUDA provider's allocator and the memory it hands out),
/// and the OrtValue views bound here. Every ONNX Runtime runner composes one (the fused SSD runner two: the graph and
/// its exact companion).
/// </summary>
/// <remarks>
/// <para>Created in the order each part needs the one before (options, session, run options, device buffers,
/// binding); a failure at any step disposes what was created, and <see cref="Dispose"/> goes in exactly the reverse
/// order: unbind before the views go, the views (they own no memory) before the device memory they may view, the
/// allocator before the session it was created on, the session before its options.</para>
/// <para>Every bind goes through <see cref="Bind"/>, which checks the name and element type against the model file
/// first, so a graph exported with other names or types fails at setup with the file named, not inside a run.</para>
/// </remarks>
internal sealed class BoundSession : IDisposable
{
    /// <summary>
    /// A folder: when set, every session records ONNX Runtime's profile (one JSON per session: each node's time,
    /// op type and execution provider) there, written when the session is disposed. For finding where a graph
    /// spends its time and which nodes fell back to the CPU provider; profiling adds work to every run, so the
    /// timings of such a run are not for comparison. `eng/gpu/ort-profile-summary.py` aggregates the files.
    /// </summary>
    public const string ProfileDirectoryVariable = "EDGEBENCH_ORT_PROFILE";

    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly DeviceBuffers? _device;
    private readonly OrtIoBinding _binding;
    private readonly bool _profiling;
    private readonly List<OrtValue> _views = [];
    // Host inputs on a GPU provider, bound again before every run (see Run).
    private readonly List<(string Name, OrtValue Value)> _copiedAtBind = [];
    private bool _disposed;

    /// <summary>
    /// A session for <paramref name="model"/> on the provider of <paramref name="options"/>, with device buffers when
    /// <paramref name="deviceBound"/>; <paramref name="configureRun"/> sets run options before the first run. Raises
    /// <see cref="ProviderUnavailableException"/> when the provider cannot start (missing library, no device, no CUDA
    /// runtime for device-bound copies), <see cref="ModelFileException"/> when ONNX Runtime cannot load the file, and
    /// <see cref="ArgumentException"/> for an I/O mode the provider does not have.
    /// </summary>
    public BoundSession(ResolvedModel model, OrtBackendOptions options, bool deviceBound, Action<RunOptions>? configureRun = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (deviceBound && options.Provider == OrtExecutionProvider.Cpu)
        {
            throw new ArgumentException("Device-bound I/O needs the CUDA or TensorRT provider; the CPU provider has no device memory.", nameof(deviceBound));
        }

        if (options.CudaGraph && !deviceBound)
        {
            throw new ArgumentException("CUDA graphs replay fixed device addresses, so they need device-bound I/O (OrtDeviceBoundBackend, or a device-bound OrtFusedSsdRunner); this session binds host memory.", nameof(options));
        }

        ModelPath = model.Path;
        Provider = options.Provider;
        Io = options.CudaGraph ? OrtIo.CudaGraph : deviceBound ? OrtIo.DeviceBound : OrtIo.Host;
        ExecutionProvider = OrtProviders.ResultName(Provider, Io);
        OrtNativeLibrary.EnsureConfigured();
        if (Provider != OrtExecutionProvider.Cpu && OrtProviders.Unavailability(Provider) is { } reason)
        {
            throw new ProviderUnavailableException(reason);
        }

        _sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.OptimizationLevel,
            IntraOpNumThreads = options.IntraOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            (_session, _profiling) = CreateSession(model, options, _sessionOptions);
            _runOptions = new RunOptions();
            configureRun?.Invoke(_runOptions);
            if (deviceBound)
            {
                _device = new DeviceBuffers(_session, options.DeviceId);
            }

            _binding = _session.CreateIoBinding();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The model file, for error messages.</summary>
    public string ModelPath { get; }

    public OrtExecutionProvider Provider { get; }

    public OrtIo Io { get; }

    /// <summary>The execution provider column of results (cpu, cuda, cuda-bound, cuda-graph, ...).</summary>
    public string ExecutionProvider { get; }

    public InferenceSession Session => _session;

    /// <summary>The device memory of a device-bound session.</summary>
    public DeviceBuffers Device => _device ?? throw new InvalidOperationException($"The session for {ModelPath} binds host memory; it has no device buffers.");

    /// <summary>The element type of a model input or output as EdgeBench's precision (float or float16 only).</summary>
    public static Precision ElementPrecision(NodeMetadata node, string name, bool isInput) => node.ElementDataType switch
    {
        TensorElementType.Float => Precision.Fp32,
        TensorElementType.Float16 => Precision.Fp16,
        _ => throw new NotSupportedException($"{(isInput ? "Input" : "Output")} '{name}' has element type {node.ElementDataType}; EdgeBench handles float and float16."),
    };

    /// <summary>The metadata of input or output <paramref name="name"/> in the file, or a <see cref="ModelFileException"/>.</summary>
    public NodeMetadata Metadata(string name, bool isInput)
    {
        IReadOnlyDictionary<string, NodeMetadata> metadata = isInput ? _session.InputMetadata : _session.OutputMetadata;
        return metadata.TryGetValue(name, out NodeMetadata? node)
            ? node
            : throw new ModelFileException(ModelPath, $"has no {(isInput ? "input" : "output")} '{name}' (it has: {string.Join(", ", metadata.Keys)})");
    }

    /// <summary>
    /// Binds <paramref name="value"/> as input or output <paramref name="name"/> once the file confirms that it has it
    /// with element type <paramref name="type"/>. The caller (or this object, for views) keeps the value alive.
    /// </summary>
    public void Bind(string name, OrtValue value, bool isInput, TensorElementType type)
    {
        NodeMetadata node = Metadata(name, isInput);
        if (node.ElementDataType != type)
        {
            throw new ModelFileException(ModelPath, $"has {(isInput ? "input" : "output")} '{name}' in {node.ElementDataType}, not {type}");
        }

        if (isInput)
        {
            _binding.BindInput(name, value);
        }
        else
        {
            _binding.BindOutput(name, value);
        }
    }

    /// <summary>
    /// Binds a view (an OrtValue that owns no memory) of <paramref name="bytes"/> at <paramref name="address"/>: host
    /// memory when <paramref name="deviceMemory"/> is null, else device memory described by it (a
    /// <see cref="DeviceBuffers.MemoryInfo"/>, this session's or another's). The view is owned here; the memory is not.
    /// </summary>
    public void BindView(string name, bool isInput, TensorElementType type, long[] shape, IntPtr address, long bytes, OrtMemoryInfo? deviceMemory)
    {
        OrtValue view = OrtValue.CreateTensorValueWithData(deviceMemory ?? OrtMemoryInfo.DefaultInstance, type, shape, address, bytes);
        _views.Add(view);
        Bind(name, view, isInput, type);
        if (isInput && deviceMemory is null && Provider != OrtExecutionProvider.Cpu)
        {
            _copiedAtBind.Add((name, view));
        }
    }

    /// <summary>
    /// Binds a model tensor of <paramref name="spec"/> at batch <paramref name="batchSize"/>, in the element type the
    /// file has (an fp16 model may keep fp32 I/O): its host side is a new <see cref="HostTensor"/>; the bound value is
    /// a view of that host memory, or in device-bound mode a device buffer that mirrors it (page-locked when CUDA
    /// allows). Returns the host tensor and the device buffer's address (zero for host I/O).
    /// </summary>
    public (HostTensor Host, IntPtr Device) BindTensor(TensorSpec spec, bool isInput, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(spec);
        NodeMetadata node = Metadata(spec.Name, isInput);
        var host = new HostTensor(spec.Name, ElementPrecision(node, spec.Name, isInput), spec.WithBatch(batchSize));
        long[] shape = [.. host.Shape];
        if (_device is null)
        {
            BindView(spec.Name, isInput, node.ElementDataType, shape, host.Address, host.ByteCount, deviceMemory: null);
            return (host, IntPtr.Zero);
        }

        (OrtValue value, IntPtr address) = _device.Allocate(host.Address, host.ByteCount, node.ElementDataType, shape);
        Bind(spec.Name, value, isInput, node.ElementDataType);
        return (host, address);
    }

    /// <summary>
    /// The session of an <see cref="IInferenceBackend"/>: <paramref name="model"/> at batch <paramref name="batchSize"/>
    /// (refused when the file fixes another batch), its input and every output bound with <see cref="BindTensor"/>.
    /// Disposes the session when a bind fails. <paramref name="configureRun"/> as for the constructor.
    /// </summary>
    public static (BoundSession Session, ModelTensors Tensors) ForModel(ResolvedModel model, int batchSize, OrtBackendOptions options, bool deviceBound,
        Action<RunOptions>? configureRun = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ModelDescriptor descriptor = model.Descriptor;
        if (!descriptor.HasDynamicBatch && descriptor.Input.Shape[0] != batchSize)
        {
            throw new ArgumentException($"{model.Path}: the model's batch is fixed at {descriptor.Input.Shape[0]}; batch {batchSize} cannot run.", nameof(batchSize));
        }

        var session = new BoundSession(model, options, deviceBound, configureRun);
        try
        {
            (HostTensor input, IntPtr inputDevice) = session.BindTensor(descriptor.Input, isInput: true, batchSize);
            var outputs = descriptor.Outputs.Select(o => session.BindTensor(o, isInput: false, batchSize)).ToArray();
            return (session, new ModelTensors(input, inputDevice, outputs.Select(o => o.Host).ToArray(), outputs.Select(o => o.Device).ToArray()));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One run on the bound values. Host I/O on a GPU provider binds its inputs again first: ONNX Runtime copies a
    /// host input to the device when it is bound (IOBinding::BindInput calls CopyOneInputAcrossDevices), not when the
    /// session runs, so bound once every run would reuse the first copy (stale frames, and no input copy in the
    /// timing). Binding again copies this run's input, at one small allocation (the name as UTF-8) per input.
    /// </summary>
    public void Run()
    {
        for (int i = 0; i < _copiedAtBind.Count; i++)
        {
            _binding.BindInput(_copiedAtBind[i].Name, _copiedAtBind[i].Value);
        }

        _session.RunWithBinding(_runOptions, _binding);
    }

    /// <summary>Waits until copies into the bound inputs are visible to the session's stream.</summary>
    public void SynchronizeBoundInputs() => _binding.SynchronizeBoundInputs();

    /// <summary>Waits until the device has written the bound outputs.</summary>
    public void SynchronizeBoundOutputs() => _binding.SynchronizeBoundOutputs();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // The reverse of the constructor's order (see the remarks); each part is null when construction stopped before it.
        _binding?.Dispose();
        foreach (OrtValue view in _views)
        {
            view.Dispose();
        }

        _views.Clear();
        _copiedAtBind.Clear();
        _device?.Dispose();
        _runOptions?.Dispose();
        if (_session is not null)
        {
            if (_profiling)
            {
                _session.EndProfiling(); // writes <prefix>_<timestamp>.json
            }

            _session.Dispose();
        }

        _sessionOptions?.Dispose();
    }

    /// <summary>Appends the providers, turns profiling on when asked, and loads the file; errors become EdgeBench's.</summary>
    private static (InferenceSession Session, bool Profiling) CreateSession(ResolvedModel model, OrtBackendOptions options, SessionOptions sessionOptions)
    {
        try
        {
            string cache = options.TensorRtEngineCacheDirectory
                ?? (Environment.GetEnvironmentVariable(OrtBackendOptions.EngineCacheVariable) is { Length: > 0 } named ? named : null)
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

            return (new InferenceSession(model.Path, sessionOptions), profiling);
        }
        catch (OnnxRuntimeException e) when (options.Provider != OrtExecutionProvider.Cpu && IsDeviceError(e.Message))
        {
            throw new ProviderUnavailableException(OrtProviders.Describe(OrtProviders.NativeName(options.Provider), e.Message), e);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFileException(model.Path, $"ONNX Runtime cannot load it: {e.Message}", e);
        }
    }

    // Errors of the device rather than the file: CUDA failures (no device, driver too old, out of memory), cuDNN and
    // TensorRT failures, and libraries loaded late.
    private static bool IsDeviceError(string message) =>
        message.Contains("CUDA", StringComparison.OrdinalIgnoreCase)
        || message.Contains("cudnn", StringComparison.OrdinalIgnoreCase)
        || message.Contains("TensorRT", StringComparison.OrdinalIgnoreCase)
        || message.Contains("cannot open shared object file", StringComparison.Ordinal);
}

/// <summary>
/// The model tensors <see cref="BoundSession.ForModel"/> bound: host sides, and device buffer addresses (zero for
/// host I/O), outputs in the descriptor's order.
/// </summary>
internal sealed record ModelTensors(HostTensor Input, IntPtr InputDevice, HostTensor[] Outputs, IntPtr[] OutputDevices);
