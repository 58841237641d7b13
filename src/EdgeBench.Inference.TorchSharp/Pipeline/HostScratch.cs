using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeBench.Inference.TorchSharp.Native;
using static TorchSharp.torch;

namespace EdgeBench.Inference.TorchSharp.Pipeline;

/// <summary>
/// A growable pinned host array that libtorch results are copied into (one <c>copy_</c> through a from_blob view,
/// converting the element type on the way), so C# reads them as a span: the <c>.cpu().numpy()</c> step of a PyTorch
/// pipeline. Grows (allocates) only when a result is larger than any before.
/// </summary>
internal sealed class HostScratch<T>
    where T : unmanaged
{
    private static readonly sbyte s_type =
        typeof(T) == typeof(float) ? HostTensorView.ScalarFloat
        : typeof(T) == typeof(byte) ? HostTensorView.ScalarByte
        : typeof(T) == typeof(int) ? HostTensorView.ScalarInt
        : typeof(T) == typeof(long) ? HostTensorView.ScalarLong
        : throw new NotSupportedException($"No libtorch element type for {typeof(T)}.");

    private T[] _array = GC.AllocateArray<T>(256, pinned: true);

    /// <summary>Copies <paramref name="tensor"/> (any shape, strides and element type) into the array, row-major.</summary>
    public unsafe ReadOnlySpan<T> Fetch(Tensor tensor)
    {
        int count = checked((int)tensor.numel());
        if (_array.Length < count)
        {
            _array = GC.AllocateArray<T>(Math.Max(count, 2 * _array.Length), pinned: true);
        }

        if (count > 0)
        {
            var address = (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
            using Tensor view = HostTensorView.Create(address, tensor.shape, s_type);
            view.copy_(tensor);
        }

        return _array.AsSpan(0, count);
    }
}
