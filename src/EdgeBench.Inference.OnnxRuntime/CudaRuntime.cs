using System.Reflection;
using System.Runtime.InteropServices;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The few CUDA runtime calls the device-bound backend needs to move bytes between its host tensors and the device
/// buffers ONNX Runtime allocated: ONNX Runtime's C# API has no host/device copy for classic (non-plugin) providers.
/// The library is the CUDA runtime the GPU provider itself loads (libcudart.so.13 for the 1.31 GPU package; JetPack 6
/// ships libcudart.so.12), found through the usual search path (LD_LIBRARY_PATH).
/// </summary>
internal static partial class CudaRuntime
{
    private const string ImportName = "edgebench-cudart";

    /// <summary>Sonames tried in order: the GPU package's CUDA 13, then JetPack 6's CUDA 12, then the unversioned link.</summary>
    internal static readonly string[] Candidates = ["libcudart.so.13", "libcudart.so.12", "libcudart.so"];

    private static readonly Lazy<IntPtr> s_handle = new(() =>
    {
        foreach (string candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out IntPtr handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    });

    static CudaRuntime()
    {
        // One resolver for this assembly; only this class imports native code here.
        NativeLibrary.SetDllImportResolver(typeof(CudaRuntime).Assembly, Resolve);
    }

    /// <summary>Whether a CUDA runtime library could be loaded.</summary>
    public static bool IsLoadable => s_handle.Value != IntPtr.Zero;

    /// <summary>Copies host bytes to device memory (synchronous for page-locked host memory).</summary>
    public static void CopyToDevice(IntPtr device, IntPtr host, long bytes) =>
        Check(cudaMemcpy(device, host, (nuint)bytes, MemcpyKind.HostToDevice), "cudaMemcpy host->device");

    /// <summary>Copies device bytes to host memory; returns when the bytes are on the host.</summary>
    public static void CopyToHost(IntPtr host, IntPtr device, long bytes) =>
        Check(cudaMemcpy(host, device, (nuint)bytes, MemcpyKind.DeviceToHost), "cudaMemcpy device->host");

    /// <summary>
    /// Page-locks existing (GC-pinned) host memory so copies are direct DMA rather than staged through a driver
    /// buffer; false when the driver refuses (the copies then still work, staged).
    /// </summary>
    public static bool TryRegisterHost(IntPtr host, long bytes) => cudaHostRegister(host, (nuint)bytes, 0) == 0;

    public static void UnregisterHost(IntPtr host) => _ = cudaHostUnregister(host);

    public static void SetDevice(int device) => Check(cudaSetDevice(device), "cudaSetDevice");

    /// <summary>Opens the window a profiler started with "profile from start off" records (ncu, nsys).</summary>
    public static void ProfilerStart() => Check(cudaProfilerStart(), "cudaProfilerStart");

    /// <summary>Closes that window.</summary>
    public static void ProfilerStop() => Check(cudaProfilerStop(), "cudaProfilerStop");

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            string text = Marshal.PtrToStringUTF8(cudaGetErrorString(error)) ?? "unknown error";
            throw new InvalidOperationException($"{what} failed: CUDA error {error} ({text}).");
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != ImportName)
        {
            return IntPtr.Zero;
        }

        return s_handle.Value != IntPtr.Zero
            ? s_handle.Value
            : throw new DllNotFoundException($"No CUDA runtime library ({string.Join(", ", Candidates)}) on the library path; add its folder to LD_LIBRARY_PATH.");
    }

    private enum MemcpyKind
    {
        HostToDevice = 1,
        DeviceToHost = 2,
    }

    [LibraryImport(ImportName)]
    private static partial int cudaMemcpy(IntPtr dst, IntPtr src, nuint count, MemcpyKind kind);

    [LibraryImport(ImportName)]
    private static partial int cudaHostRegister(IntPtr ptr, nuint size, uint flags);

    [LibraryImport(ImportName)]
    private static partial int cudaHostUnregister(IntPtr ptr);

    [LibraryImport(ImportName)]
    private static partial int cudaSetDevice(int device);

    [LibraryImport(ImportName)]
    private static partial int cudaProfilerStart();

    [LibraryImport(ImportName)]
    private static partial int cudaProfilerStop();

    [LibraryImport(ImportName)]
    private static partial IntPtr cudaGetErrorString(int error);
}
