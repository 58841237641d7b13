using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The device side of device-bound I/O, part of a device-bound <see cref="BoundSession"/>: checks that the CUDA runtime (for the copies) loads, selects the device, and
/// creates the CUDA provider's device allocator on the session; allocates device buffers that mirror host memory,
/// page-locking that host memory when CUDA allows (direct DMA); owns all of it and disposes it in the order ONNX
/// Runtime needs (buffers before the allocator that made them, the allocator before its memory info).
/// </summary>
internal sealed class DeviceBuffers : IDisposable
{
    private readonly List<OrtValue> _buffers = [];
    private readonly List<IntPtr> _registered = [];
    private readonly OrtAllocator _allocator;

    /// <summary>Address of the first element of a pinned array (GC.AllocateArray with pinned: true), for CUDA copies.</summary>
    public static unsafe IntPtr AddressOf<T>(T[] pinnedArray)
        where T : unmanaged => (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedArray));

    /// <summary>
    /// For <paramref name="session"/> on CUDA device <paramref name="deviceId"/>; raises
    /// <see cref="ProviderUnavailableException"/> when no CUDA runtime library loads.
    /// </summary>
    public DeviceBuffers(InferenceSession session, int deviceId)
    {
        if (!CudaRuntime.IsLoadable)
        {
            throw new ProviderUnavailableException(
                $"device-bound I/O needs the CUDA runtime for its copies: none of {string.Join(", ", CudaRuntime.Candidates)} is on the library path (LD_LIBRARY_PATH)");
        }

        CudaRuntime.SetDevice(deviceId);
        // The CUDA EP's device allocator (TensorRT sessions have it too: CUDA is appended as their fallback).
        MemoryInfo = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, deviceId, OrtMemType.Default);
        try
        {
            _allocator = new OrtAllocator(session, MemoryInfo);
        }
        catch
        {
            MemoryInfo.Dispose();
            throw;
        }
    }

    /// <summary>Where the buffers live, for OrtValues that view into them.</summary>
    public OrtMemoryInfo MemoryInfo { get; }

    /// <summary>Whether the host memory at <paramref name="host"/> was page-locked here (<see cref="PageLock"/>).</summary>
    public bool IsPageLocked(IntPtr host) => _registered.Contains(host);

    /// <summary>
    /// A device tensor of <paramref name="type"/> and <paramref name="shape"/> that mirrors <paramref name="hostBytes"/>
    /// of host memory at <paramref name="host"/> (page-locked here when CUDA allows); owned by this object. Returns it
    /// and its device address.
    /// </summary>
    public (OrtValue Value, IntPtr Address) Allocate(IntPtr host, long hostBytes, TensorElementType type, long[] shape)
    {
        PageLock(host, hostBytes);
        (OrtValue value, IntPtr address, long bytes) = AllocateSized(type, shape);
        if (bytes != hostBytes)
        {
            throw new InvalidOperationException($"A device buffer of {bytes} bytes cannot mirror {hostBytes} bytes of host memory.");
        }

        return (value, address);
    }

    /// <summary>A device tensor of <paramref name="type"/> and <paramref name="shape"/> with no host mirror; owned by this object.</summary>
    public (OrtValue Value, IntPtr Address) Allocate(TensorElementType type, long[] shape)
    {
        (OrtValue value, IntPtr address, _) = AllocateSized(type, shape);
        return (value, address);
    }

    /// <summary>
    /// Page-locks <paramref name="bytes"/> of existing (pinned) host memory at <paramref name="host"/> until this object
    /// is disposed, so copies from and to it are direct DMA; false when CUDA refuses (copies then still work, staged)
    /// or the range is locked already.
    /// </summary>
    public bool PageLock(IntPtr host, long bytes)
    {
        if (_registered.Contains(host) || !CudaRuntime.TryRegisterHost(host, bytes))
        {
            return false;
        }

        _registered.Add(host);
        return true;
    }

    private unsafe (OrtValue Value, IntPtr Address, long Bytes) AllocateSized(TensorElementType type, long[] shape)
    {
        OrtValue value = OrtValue.CreateAllocatedTensorValue(_allocator, type, shape);
        _buffers.Add(value);
        // The span only carries the device address and length; it is never read or written from the host.
        Span<byte> raw = value.GetTensorMutableRawData();
        return (value, (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetReference(raw)), raw.Length);
    }

    public void Dispose()
    {
        foreach (OrtValue value in _buffers)
        {
            value.Dispose();
        }

        _buffers.Clear();
        foreach (IntPtr host in _registered)
        {
            CudaRuntime.UnregisterHost(host);
        }

        _registered.Clear();
        _allocator.Dispose();
        MemoryInfo.Dispose();
    }
}
