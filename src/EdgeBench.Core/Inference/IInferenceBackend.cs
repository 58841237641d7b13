using EdgeBench.Core.Models;

namespace EdgeBench.Core.Inference;

/// <summary>
/// Runs one model at one precision and batch size. Buffers are created once: the caller fills <see cref="Input"/>,
/// calls <see cref="Run"/>, and reads <see cref="Outputs"/>; nothing is allocated per run.
/// </summary>
/// <remarks>
/// Host tensors are the contract between stages. A device-resident backend (CUDA/TensorRT with bound device
/// buffers) still exposes host tensors for the stages that run on the CPU, and documents when it copies.
/// </remarks>
public interface IInferenceBackend : IDisposable
{
    /// <summary>Engine name as it appears in results, e.g. <c>onnxruntime</c>.</summary>
    string Backend { get; }

    /// <summary>Execution provider as it appears in results, e.g. <c>cpu</c>, <c>cuda</c>, <c>tensorrt</c>.</summary>
    string ExecutionProvider { get; }

    ModelDescriptor Model { get; }

    /// <summary>The model file's precision (its weights); the input/output element types may differ (see HostTensor).</summary>
    Precision Precision { get; }

    int BatchSize { get; }

    /// <summary>The model input, [batch, C, H, W], in the element type the model file declares.</summary>
    HostTensor Input { get; }

    /// <summary>The model outputs in declaration order, valid after <see cref="Run"/> until the next run.</summary>
    IReadOnlyList<HostTensor> Outputs { get; }

    /// <summary>Runs the model on <see cref="Input"/>; returns when <see cref="Outputs"/> hold the results.</summary>
    void Run();
}
