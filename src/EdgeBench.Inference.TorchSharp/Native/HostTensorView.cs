using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeBench.Core;
using EdgeBench.Core.Inference;
using static TorchSharp.torch;

namespace EdgeBench.Inference.TorchSharp.Native;

/// <summary>
/// A TorchSharp tensor that aliases a <see cref="HostTensor"/>'s pinned bytes (libtorch's <c>from_blob</c>), so the
/// backend reads the input the preprocess wrote, and writes outputs, without an extra managed copy.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's public <c>torch.tensor(Memory&lt;T&gt;, dims)</c> copies unless the memory is a managed array
/// (checked: a write to the host buffer after creation was not seen), and HostTensor keeps its array private. So this
/// calls LibTorchSharp's own <c>THSTensor_new</c> (the entry TorchSharp uses for arrays: <c>torch::from_blob</c> with a
/// deleter) with the pinned address and a no-op deleter; the HostTensor owns the memory and outlives the view (the
/// backend disposes the view first).
/// </remarks>
internal static unsafe partial class HostTensorView
{
    // c10::ScalarType codes.
    internal const sbyte ScalarByte = 0;
    internal const sbyte ScalarInt = 3;
    internal const sbyte ScalarLong = 4;
    internal const sbyte ScalarHalf = 5;
    internal const sbyte ScalarFloat = 6;
    private const int DeviceCpu = 0;

    public static Tensor Create(HostTensor host)
    {
        ArgumentNullException.ThrowIfNull(host);
        sbyte type = host.ElementType == Precision.Fp16 ? ScalarHalf : ScalarFloat;
        return Create(host.Address, [.. host.Shape], type, host.Name);
    }

    /// <summary>
    /// A tensor of element type <paramref name="type"/> (a c10 code above) and shape <paramref name="dims"/> over
    /// <paramref name="address"/>, which must stay pinned and alive while the tensor is used; nothing is copied.
    /// </summary>
    public static Tensor Create(IntPtr address, long[] dims, sbyte type, string what = "host memory")
    {
        ArgumentNullException.ThrowIfNull(dims);
        IntPtr handle;
        fixed (long* d = dims)
        {
            handle = THSTensor_new(address, &NoDelete, (IntPtr)d, dims.Length, type, type, DeviceCpu, -1, requiresGrad: false);
        }

        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException($"libtorch could not create a tensor over {what}.");
        }

        return Tensor.UnsafeCreateTensor(handle);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void NoDelete(IntPtr data)
    {
        // The HostTensor's pinned array owns the memory.
    }

    [LibraryImport("LibTorchSharp", EntryPoint = "THSTensor_new")]
    private static partial IntPtr THSTensor_new(
        IntPtr rawArray, delegate* unmanaged[Cdecl]<IntPtr, void> deleter, IntPtr dimensions, int numDimensions,
        sbyte type, sbyte dtype, int deviceType, int deviceIndex, [MarshalAs(UnmanagedType.U1)] bool requiresGrad);
}
