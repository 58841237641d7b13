using System.Runtime.InteropServices;
using EdgeBench.Core;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Inference.TorchSharp.Modules;
using EdgeBench.Inference.TorchSharp.Native;
using EdgeBench.Models.Zoo;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeBench.Inference.TorchSharp;

/// <summary>Settings of a <see cref="TorchSharpBackend"/>.</summary>
public sealed record TorchSharpBackendOptions
{
    /// <summary>
    /// Intra-op threads (<c>torch.set_num_threads</c>), the same meaning as ONNX Runtime's intra-op threads; 0 leaves
    /// libtorch's default (one per physical core). libtorch's setting is process-wide: the last backend created wins.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>Run on CUDA when <c>torch.cuda.is_available()</c>; when it is not, construction throws <see cref="NotSupportedException"/>.</summary>
    public bool UseCuda { get; init; }
}

/// <summary>
/// TorchSharp (libtorch eager) backend: the model runs as a TorchSharp module graph that computes the same function as
/// the ONNX file, with the file's (batch-norm folded) initializers copied into it name for name.
/// </summary>
/// <remarks>
/// <para>Modules are written per catalog architecture (Modules/Networks.cs mirrors EdgeBench.Models/Architectures):
/// resnet18, resnet50, mobilenetv2, ssd300, tiny-yolov3. A user's file under a catalog id loads if its initializers
/// match that architecture; anything else raises <see cref="NotSupportedException"/>.</para>
/// <para>Buffers: the input is a TorchSharp tensor over <see cref="IInferenceBackend.Input"/>'s pinned memory (no
/// copy); on CUDA it is copied to the device each run. Outputs are computed into libtorch-owned tensors and then
/// copied (one memcpy each, plus a device-to-host copy on CUDA) into <see cref="Outputs"/>, because libtorch's eager
/// ops allocate their results; the copy is inside <see cref="Run"/> and so inside any timing of it.</para>
/// <para>fp16 (<see cref="Precision.Fp16"/>): the module runs in half precision (<c>.half()</c>) with the fp16 file's
/// weights; input and output keep the element types the file declares (float16 for EdgeBench's converted files).</para>
/// </remarks>
public sealed class TorchSharpBackend : IInferenceBackend
{
    private readonly MirrorNetwork _network;
    private readonly Device _device;
    private readonly ScalarType _computeType;
    private readonly Tensor _input;
    private readonly Tensor[] _outputViews;
    private readonly HostTensor[] _outputs;

    /// <summary>
    /// Builds the module for <paramref name="model"/> and binds its host buffers. Throws <see cref="NotSupportedException"/>
    /// when TorchSharp is unavailable here, the model has no TorchSharp module, or the precision cannot run on the device.
    /// </summary>
    public TorchSharpBackend(ResolvedModel model, int batchSize, TorchSharpBackendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        options ??= new TorchSharpBackendOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Threads);
        Model = model.Descriptor;
        Precision = model.Precision;
        BatchSize = batchSize;
        if (!Model.HasDynamicBatch && Model.Input.Shape[0] != batchSize)
        {
            throw new ArgumentException($"{model.Path}: the model's batch is fixed at {Model.Input.Shape[0]}; batch {batchSize} cannot run.", nameof(batchSize));
        }

        TorchSharpAvailability.EnsureAvailable();
        if (options.UseCuda && !cuda.is_available())
        {
            throw new NotSupportedException("TorchSharp CUDA was requested but torch.cuda.is_available() is false (EdgeBench references the CPU libtorch; no CUDA TorchSharp package is served).");
        }

        _device = options.UseCuda ? CUDA : CPU;
        ExecutionProvider = options.UseCuda ? "cuda" : "cpu";
        _computeType = Precision == Precision.Fp16 ? ScalarType.Float16 : ScalarType.Float32;
        if (options.Threads > 0)
        {
            set_num_threads(options.Threads);
        }

        ModelProto proto = OnnxWeights.Read(model.Path);
        _network = CreateNetwork(Model.Id, model.Path);
        try
        {
            OnnxWeights.Load(_network, proto, model.Path);
            _network.eval();
            _network.to(_device, _computeType);
            foreach (nn.Module module in _network.modules())
            {
                (module as ConvLayer)?.RebindParameters();
            }

            Input = new HostTensor(Model.Input.Name, OnnxWeights.ElementType(proto, Model.Input.Name, input: true, model.Path), Model.Input.WithBatch(batchSize));
            _input = Wrap(Input);
            _outputs = Model.Outputs
                .Select(o => new HostTensor(o.Name, OnnxWeights.ElementType(proto, o.Name, input: false, model.Path), o.WithBatch(batchSize)))
                .ToArray();
            _outputViews = _outputs.Select(Wrap).ToArray();
            if (_device.type == DeviceType.CPU && _computeType == ScalarType.Float16)
            {
                ProbeHalfOnCpu();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Backend => "torchsharp";

    public string ExecutionProvider { get; }

    public ModelDescriptor Model { get; }

    public Precision Precision { get; }

    public int BatchSize { get; }

    public HostTensor Input { get; } = null!;

    public IReadOnlyList<HostTensor> Outputs => _outputs;

    /// <summary>The TorchSharp package version and the libtorch it binds, for results' environment.</summary>
    public static string RuntimeVersion => $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {__version__}";

    public void Run()
    {
        // inference_mode: no autograd bookkeeping (stronger than no_grad); the dispose scope frees every intermediate
        // and result tensor of this run, so nothing native outlives it but the bound host views.
        using IDisposable mode = inference_mode();
        using DisposeScope scope = NewDisposeScope();
        Tensor x = _input;
        if (x.device_type != _device.type || x.dtype != _computeType)
        {
            x = x.to(_computeType, _device);
        }

        Tensor[] results = _network.forward(x);
        for (int i = 0; i < results.Length; i++)
        {
            // copy_ converts dtype and device as needed; this is the documented output copy.
            _outputViews[i].copy_(results[i]);
        }
    }

    /// <summary>The libtorch tensor over <see cref="Input"/>'s pinned memory (TorchVisionPipeline preprocesses into it).</summary>
    internal Tensor InputTensor => _input;

    /// <summary>
    /// The forward pass alone, for callers that keep outputs in libtorch (TorchVisionPipeline): returns the module's
    /// result tensors, owned by the caller's dispose scope; <see cref="Outputs"/> is not written. Call under
    /// <c>inference_mode</c>.
    /// </summary>
    internal Tensor[] Forward()
    {
        Tensor x = _input;
        if (x.device_type != _device.type || x.dtype != _computeType)
        {
            x = x.to(_computeType, _device);
        }

        return _network.forward(x);
    }

    public void Dispose()
    {
        _input?.Dispose();
        if (_outputViews is not null)
        {
            foreach (Tensor view in _outputViews)
            {
                view?.Dispose();
            }
        }

        _network?.Dispose();
    }

    /// <summary>The TorchSharp module mirroring catalog model <paramref name="id"/>.</summary>
    internal static MirrorNetwork CreateNetwork(string id, string path) => id switch
    {
        ModelCatalog.ResNet18 => new ResNetClassifier(bottleneck: false, [2, 2, 2, 2], 1000),
        ModelCatalog.ResNet50 => new ResNetClassifier(bottleneck: true, [3, 4, 6, 3], 1000),
        ModelCatalog.MobileNetV2Id => new MobileNetV2Classifier(1000),
        ModelCatalog.Ssd300 => new Ssd300Network(),
        ModelCatalog.TinyYoloV3 => new YoloV3TinyNetwork(),
        ModelCatalog.ResNet18Pretrained => throw new NotSupportedException(
            $"{path}: the pretrained ResNet-18 is a CNTK export (mean-image Sub, unfolded BatchNormalization, CNTK tensor names); no TorchSharp module mirrors it yet."),
        _ => throw new NotSupportedException($"{path}: no TorchSharp module for model '{id}' (TorchSharp runs resnet18, resnet50, mobilenetv2, ssd300, tiny-yolov3)."),
    };

    private static Tensor Wrap(HostTensor host) => HostTensorView.Create(host);

    /// <summary>
    /// Runs the model once on zeros so that a half-precision op libtorch lacks on this CPU fails here, at construction,
    /// as a <see cref="NotSupportedException"/> the benchmark reports as skipped, rather than inside a timed run.
    /// </summary>
    private void ProbeHalfOnCpu()
    {
        try
        {
            Run();
        }
        catch (ExternalException e)
        {
            throw new NotSupportedException($"fp16 does not run on the CPU libtorch {__version__}: {e.Message}", e);
        }
    }
}
