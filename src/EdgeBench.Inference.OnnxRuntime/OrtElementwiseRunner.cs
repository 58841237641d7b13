using EdgeBench.Core;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The baseline of the SSD optimization ladder (level 0): ONNX Runtime's allocating API, outputs read one element at
/// a time. Each <see cref="RunReadingElementwise"/> wraps the input in a <see cref="NamedOnnxValue"/>, calls
/// <c>InferenceSession.Run</c> (which allocates the result <see cref="DisposableNamedOnnxValue"/>s, and on a GPU
/// provider copies the input in and the outputs out), then copies every output element into a new managed array
/// through the <see cref="Tensor{T}"/> indexer <c>tensor[n, c, i]</c>.
/// </summary>
/// <remarks>
/// Why this is the baseline: the study the ladder reproduces (PyTorch SSD300 on a Jetson Nano, 1.09 FPS) started
/// from postprocessing code that indexed the model's output tensors element by element while they still lived on
/// the GPU, so every element read was a tiny device-to-host transfer behind the framework's indexing machinery. ONNX
/// Runtime has no per-element device read; the nearest equivalent in its C# API is the one a straightforward port
/// writes: the allocating <c>Run</c> and a per-element read through the generic tensor indexer (bounds and stride
/// arithmetic on every access), feeding a naive postprocess. Level 1 (<c>VisionPipeline</c>) replaces all of it with
/// bound I/O and one bulk read. fp32 models only: the ladder's baseline is fp32.
/// </remarks>
public sealed class OrtElementwiseRunner : IDisposable
{
    private readonly BoundSession _session;
    private readonly float[] _input;
    private readonly int[] _inputShape;
    private readonly string _inputName;
    private readonly TensorSpec[] _outputs;

    /// <summary>Creates the session; raises <see cref="ProviderUnavailableException"/> when the provider cannot start.</summary>
    public OrtElementwiseRunner(ResolvedModel model, int batchSize, OrtBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        // Its binding stays empty: this level runs the allocating API, which takes its inputs per call.
        _session = new BoundSession(model, options, deviceBound: false);
        try
        {
            ModelDescriptor descriptor = model.Descriptor;
            NodeMetadata node = _session.Metadata(descriptor.Input.Name, isInput: true);
            if (BoundSession.ElementPrecision(node, descriptor.Input.Name, isInput: true) != Precision.Fp32)
            {
                throw new NotSupportedException($"{model.Path}: the element-wise baseline runs fp32 models only.");
            }

            Input = new HostTensor(descriptor.Input.Name, Precision.Fp32, descriptor.Input.WithBatch(batchSize));
            _input = new float[Input.ElementCount];
            _inputShape = Input.Shape.Select(d => checked((int)d)).ToArray();
            _inputName = descriptor.Input.Name;
            _outputs = [.. descriptor.Outputs];
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The model input [N, C, H, W] fp32: the preprocess writes it.</summary>
    public HostTensor Input { get; }

    /// <summary>
    /// Runs the model on <see cref="Input"/> through the allocating API and returns each output as a new float array
    /// filled element by element through the tensor indexer (shape [N, C, B] for SSD's locs and scores).
    /// </summary>
    public float[][] RunReadingElementwise()
    {
        // The allocating API takes a managed DenseTensor: a copy of the input, as a port passing a tensor would make.
        Input.AsFloat().CopyTo(_input);
        var tensor = new DenseTensor<float>(_input, _inputShape);
        NamedOnnxValue[] inputs = [NamedOnnxValue.CreateFromTensor(_inputName, tensor)];
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = _session.Session.Run(inputs);
        var outputs = new float[_outputs.Length][];
        for (int o = 0; o < _outputs.Length; o++)
        {
            DisposableNamedOnnxValue result = results.First(r => r.Name == _outputs[o].Name);
            Tensor<float> values = result.AsTensor<float>();
            outputs[o] = ReadElementwise(values);
        }

        return outputs;
    }

    public void Dispose() => _session.Dispose();

    /// <summary>Copies a rank-3 tensor (any other rank through its flat indexer) one element at a time.</summary>
    private static float[] ReadElementwise(Tensor<float> tensor)
    {
        var flat = new float[tensor.Length];
        ReadOnlySpan<int> dims = tensor.Dimensions;
        if (dims.Length != 3)
        {
            for (int i = 0; i < flat.Length; i++)
            {
                flat[i] = tensor.GetValue(i);
            }

            return flat;
        }

        int index = 0;
        for (int n = 0; n < dims[0]; n++)
        {
            for (int c = 0; c < dims[1]; c++)
            {
                for (int i = 0; i < dims[2]; i++)
                {
                    flat[index++] = tensor[n, c, i];
                }
            }
        }

        return flat;
    }
}
