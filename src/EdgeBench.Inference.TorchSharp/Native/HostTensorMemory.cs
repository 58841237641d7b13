using System.Buffers;
using EdgeBench.Core.Inference;

namespace EdgeBench.Inference.TorchSharp.Native;

/// <summary>
/// A <see cref="Memory{T}"/> over a <see cref="HostTensor"/>'s pinned bytes, so TorchSharp's
/// <c>torch.tensor(Memory&lt;T&gt;, dims)</c> can build a tensor that aliases the host buffer instead of copying it.
/// Pinning is a no-op: the HostTensor's array is allocated pinned for its whole lifetime.
/// </summary>
internal sealed unsafe class HostTensorMemory<T> : MemoryManager<T>
    where T : unmanaged
{
    private readonly HostTensor _tensor;

    public HostTensorMemory(HostTensor tensor)
    {
        _tensor = tensor;
        if (tensor.ByteCount % sizeof(T) != 0)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' is {tensor.ByteCount} bytes, not a whole number of {typeof(T).Name}.", nameof(tensor));
        }
    }

    public override Span<T> GetSpan() => new((void*)_tensor.Address, _tensor.ByteCount / sizeof(T));

    public override MemoryHandle Pin(int elementIndex = 0) =>
        new((byte*)_tensor.Address + ((long)elementIndex * sizeof(T)));

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
