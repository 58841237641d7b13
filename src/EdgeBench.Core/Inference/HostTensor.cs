using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeBench.Core.Inference;

/// <summary>
/// A dense tensor in pinned host memory: the buffer the preprocess writes and the postprocess reads. Backends wrap
/// the same bytes in their native tensor objects once, so a run copies nothing between stages.
/// </summary>
public sealed class HostTensor
{
    private readonly byte[] _bytes;

    /// <summary>Allocates a zeroed, pinned tensor of <paramref name="shape"/> and <paramref name="elementType"/>.</summary>
    public HostTensor(string name, Precision elementType, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (elementType == Precision.Int8)
        {
            // QDQ models take and give fp32: an int8 host tensor would be a bug that reads 4 bytes per element.
            throw new ArgumentException($"Tensor '{name}': host tensors are fp32 or fp16; an int8 (QDQ) model's inputs and outputs are fp32.", nameof(elementType));
        }

        Name = name;
        ElementType = elementType;
        Shape = shape;
        long elements = 1;
        foreach (long d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d, nameof(shape));
            elements *= d;
        }

        ElementCount = checked((int)elements);
        // Pinned: native runtimes keep raw pointers to this memory for the tensor's lifetime.
        _bytes = GC.AllocateArray<byte>(checked(ElementCount * ElementSize), pinned: true);
    }

    public string Name { get; }

    /// <summary>fp32 or fp16 elements.</summary>
    public Precision ElementType { get; }

    public IReadOnlyList<long> Shape { get; }

    public int ElementCount { get; }

    public int ElementSize => ElementType == Precision.Fp16 ? 2 : 4;

    /// <summary>Size in bytes.</summary>
    public int ByteCount => _bytes.Length;

    /// <summary>The raw bytes (pinned for the tensor's lifetime).</summary>
    public Span<byte> Bytes => _bytes;

    /// <summary>The elements as float; throws for an fp16 tensor.</summary>
    public Span<float> AsFloat() => ElementType == Precision.Fp32
        ? MemoryMarshal.Cast<byte, float>(_bytes.AsSpan())
        : throw new InvalidOperationException($"Tensor '{Name}' holds fp16 elements; use AsHalf().");

    /// <summary>The elements as Half; throws for an fp32 tensor.</summary>
    public Span<Half> AsHalf() => ElementType == Precision.Fp16
        ? MemoryMarshal.Cast<byte, Half>(_bytes.AsSpan())
        : throw new InvalidOperationException($"Tensor '{Name}' holds fp32 elements; use AsFloat().");

    /// <summary>Address of the first byte; valid while this object is alive (the array is pinned).</summary>
    public unsafe IntPtr Address => (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_bytes));

    /// <summary>Elements of one batch item.</summary>
    public int ElementsPerItem => ElementCount / checked((int)Shape[0]);
}
