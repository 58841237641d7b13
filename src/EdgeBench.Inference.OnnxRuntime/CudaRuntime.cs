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

    private static readonly Lazy<IntPtr> s_handle = new(() => LoadFirst(Candidates));

    static CudaRuntime()
    {
        // One resolver for this assembly (the runtime allows one): the CUDA runtime here, NVRTC for Nvrtc.
        NativeLibrary.SetDllImportResolver(typeof(CudaRuntime).Assembly, Resolve);
    }

    /// <summary>Makes sure the assembly's import resolver is installed (the static constructor does it).</summary>
    internal static void EnsureResolver()
    {
    }

    /// <summary>The handle of the first of <paramref name="candidates"/> (sonames) the dynamic loader finds; zero if none.</summary>
    internal static IntPtr LoadFirst(IEnumerable<string> candidates)
    {
        foreach (string candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out IntPtr handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
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

    /// <summary>The current device's compute capability (major, minor).</summary>
    public static (int Major, int Minor) ComputeCapability(int device)
    {
        // cudaDevAttrComputeCapabilityMajor = 75, ...Minor = 76.
        Check(cudaDeviceGetAttribute(out int major, 75, device), "cudaDeviceGetAttribute");
        Check(cudaDeviceGetAttribute(out int minor, 76, device), "cudaDeviceGetAttribute");
        return (major, minor);
    }

    /// <summary>A non-blocking stream (no implicit order with the legacy default stream).</summary>
    public static IntPtr CreateStream()
    {
        Check(cudaStreamCreateWithFlags(out IntPtr stream, 1), "cudaStreamCreateWithFlags");
        return stream;
    }

    public static void DestroyStream(IntPtr stream) => _ = cudaStreamDestroy(stream);

    /// <summary>An event for ordering work between streams only (no timing: cheaper to record and wait on).</summary>
    public static IntPtr CreateEvent()
    {
        Check(cudaEventCreateWithFlags(out IntPtr cudaEvent, 2), "cudaEventCreateWithFlags"); // cudaEventDisableTiming
        return cudaEvent;
    }

    public static void DestroyEvent(IntPtr cudaEvent) => _ = cudaEventDestroy(cudaEvent);

    /// <summary>Marks the point in <paramref name="stream"/> reached once everything queued on it so far has run.</summary>
    public static void RecordEvent(IntPtr cudaEvent, IntPtr stream) => Check(cudaEventRecord(cudaEvent, stream), "cudaEventRecord");

    /// <summary>Makes work queued on <paramref name="stream"/> from now on wait for <paramref name="cudaEvent"/> (the host does not wait).</summary>
    public static void WaitEvent(IntPtr stream, IntPtr cudaEvent) => Check(cudaStreamWaitEvent(stream, cudaEvent, 0), "cudaStreamWaitEvent");

    /// <summary>Waits until the work before <paramref name="cudaEvent"/>'s last record has finished (work queued after it may still run).</summary>
    public static void SynchronizeEvent(IntPtr cudaEvent) => Check(cudaEventSynchronize(cudaEvent), "cudaEventSynchronize");

    /// <summary>Waits until everything queued on <paramref name="stream"/> has finished.</summary>
    public static void Synchronize(IntPtr stream) => Check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");

    /// <summary>Waits until every stream of the current device is idle.</summary>
    public static void DeviceSynchronize() => Check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");

    /// <summary>Queues a host-to-device copy on <paramref name="stream"/> (asynchronous for page-locked host memory).</summary>
    public static void CopyToDeviceAsync(IntPtr device, IntPtr host, long bytes, IntPtr stream) =>
        Check(cudaMemcpyAsync(device, host, (nuint)bytes, MemcpyKind.HostToDevice, stream), "cudaMemcpyAsync host->device");

    /// <summary>Queues a device-to-host copy on <paramref name="stream"/>.</summary>
    public static void CopyToHostAsync(IntPtr host, IntPtr device, long bytes, IntPtr stream) =>
        Check(cudaMemcpyAsync(host, device, (nuint)bytes, MemcpyKind.DeviceToHost, stream), "cudaMemcpyAsync device->host");

    /// <summary>Loads compiled device code (PTX or a cubin) as a library; the driver JIT-compiles PTX here, once.</summary>
    public static IntPtr LoadLibrary(byte[] image)
    {
        Check(cudaLibraryLoadData(out IntPtr library, image, IntPtr.Zero, IntPtr.Zero, 0, IntPtr.Zero, IntPtr.Zero, 0), "cudaLibraryLoadData");
        return library;
    }

    public static void UnloadLibrary(IntPtr library) => _ = cudaLibraryUnload(library);

    /// <summary>The handle of kernel <paramref name="name"/> (extern "C") of a loaded library, for <see cref="Launch"/>.</summary>
    public static IntPtr GetKernel(IntPtr library, string name)
    {
        Check(cudaLibraryGetKernel(out IntPtr kernel, library, name), "cudaLibraryGetKernel", name);
        return kernel;
    }

    /// <summary>
    /// Queues <paramref name="kernel"/> on <paramref name="stream"/>; <paramref name="arguments"/> points at one pointer
    /// per kernel parameter, each to the parameter's value.
    /// </summary>
    public static unsafe void Launch(IntPtr kernel, Dim3 grid, Dim3 block, void** arguments, IntPtr stream, string name) =>
        Check(cudaLaunchKernel(kernel, grid, block, arguments, 0, stream), "cudaLaunchKernel", name);

    /// <summary>CUDA's dim3: grid or block extent.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1);

    /// <summary>Throws on a CUDA error; the message names the call (and its subject: a kernel), formatted only then.</summary>
    private static void Check(int error, string what, string? subject = null)
    {
        if (error != 0)
        {
            string text = Marshal.PtrToStringUTF8(cudaGetErrorString(error)) ?? "unknown error";
            string call = subject is null ? what : $"{what}({subject})";
            throw new InvalidOperationException($"{call} failed: CUDA error {error} ({text}).");
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName == Nvrtc.ImportName)
        {
            return Nvrtc.Handle;
        }

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

    [LibraryImport(ImportName)]
    private static partial int cudaDeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(ImportName)]
    private static partial int cudaStreamCreateWithFlags(out IntPtr stream, uint flags);

    [LibraryImport(ImportName)]
    private static partial int cudaStreamDestroy(IntPtr stream);

    [LibraryImport(ImportName)]
    private static partial int cudaEventCreateWithFlags(out IntPtr cudaEvent, uint flags);

    [LibraryImport(ImportName)]
    private static partial int cudaEventDestroy(IntPtr cudaEvent);

    [LibraryImport(ImportName)]
    private static partial int cudaEventSynchronize(IntPtr cudaEvent);

    [LibraryImport(ImportName)]
    private static partial int cudaEventRecord(IntPtr cudaEvent, IntPtr stream);

    [LibraryImport(ImportName)]
    private static partial int cudaStreamWaitEvent(IntPtr stream, IntPtr cudaEvent, uint flags);

    [LibraryImport(ImportName)]
    private static partial int cudaStreamSynchronize(IntPtr stream);

    [LibraryImport(ImportName)]
    private static partial int cudaDeviceSynchronize();

    [LibraryImport(ImportName)]
    private static partial int cudaMemcpyAsync(IntPtr dst, IntPtr src, nuint count, MemcpyKind kind, IntPtr stream);

    [LibraryImport(ImportName)]
    private static partial int cudaLibraryLoadData(out IntPtr library, byte[] code, IntPtr jitOptions, IntPtr jitOptionValues, uint jitOptionCount, IntPtr libraryOptions, IntPtr libraryOptionValues, uint libraryOptionCount);

    [LibraryImport(ImportName)]
    private static partial int cudaLibraryUnload(IntPtr library);

    [LibraryImport(ImportName, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int cudaLibraryGetKernel(out IntPtr kernel, IntPtr library, string name);

    [LibraryImport(ImportName)]
    private static unsafe partial int cudaLaunchKernel(IntPtr function, Dim3 grid, Dim3 block, void** arguments, nuint sharedMemory, IntPtr stream);
}
