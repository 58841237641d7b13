using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace EdgeBench.Core.Profiling;

/// <summary>
/// NVTX ranges (NVIDIA Tools Extension) around EdgeBench's pipeline stages, so Nsight Systems (<c>nsys profile</c>)
/// and Nsight Compute (<c>ncu --nvtx</c>) show them by name. Off unless <see cref="EnableVariable"/> is 1 and a
/// profiler has attached (it sets <see cref="InjectionVariable"/>); off, a range costs one static field read.
/// </summary>
/// <remarks>
/// <para>No NVTX library is loaded: since CUDA 12 NVTX is header-only (CUDA 13 ships no libnvToolsExt.so at all), and
/// a header's calls reach the profiler through an injection protocol that is small enough to speak from C#. The
/// profiler's library (named by <c>NVTX_INJECTION64_PATH</c>) exports <c>InitializeInjectionNvtx2</c>; called with
/// our export-table getter, it asks for each callback module's function table (an array of pointers to function
/// pointer slots) and writes its handlers into the slots it implements. EdgeBench then calls the core module's
/// <c>nvtxRangePushA</c> and <c>nvtxRangePop</c> slots, the same calls a C program's header makes.</para>
/// <para>Every module gets a table of its full size (tools refuse to attach when one they use is missing) even though
/// only the two core slots are read. The tables live in native memory for the life of the process: the profiler
/// keeps their addresses.</para>
/// <para>Ranges are per thread and nest: push and pop on the same thread, in order.</para>
/// </remarks>
public static unsafe class Nvtx
{
    /// <summary>Set to 1 to emit ranges when a profiler is attached.</summary>
    public const string EnableVariable = "EDGEBENCH_NVTX";

    /// <summary>Set by Nsight Systems / Nsight Compute to their injection library.</summary>
    public const string InjectionVariable = "NVTX_INJECTION64_PATH";

    private const string InitializeExport = "InitializeInjectionNvtx2";
    private const uint ExportTableCallbacks = 1;
    private const uint ExportTableVersionInfo = 3;
    private const uint NvtxVersion = 3;

    // Callback modules 1..6 (core, CUDA, OpenCL, CUDA runtime, core2, sync) and their slot counts, as nvtxTypes.h
    // numbers them; the core module's slots 9 and 11 are RangePushA and RangePop.
    private static readonly int[] s_moduleSizes = [16, 9, 15, 7, 16, 7];
    private const int CoreRangePushA = 9;
    private const int CoreRangePop = 11;

    private static delegate* unmanaged<byte*, int> s_rangePush;
    private static delegate* unmanaged<int> s_rangePop;
    private static void** s_slots;
    private static void*** s_slotAddresses;
    private static CallbacksTable* s_callbacks;
    private static VersionInfoTable* s_versionInfo;

    /// <summary>Whether ranges reach a profiler.</summary>
    public static bool Enabled { get; private set; }

    /// <summary>Why ranges are off, or the injection library they go to; set by <see cref="Initialize"/>.</summary>
    public static string Status { get; private set; } = $"off: {EnableVariable} is not 1";

    /// <summary>
    /// Attaches to the profiler named by the environment when <see cref="EnableVariable"/> is 1; otherwise does nothing
    /// (nothing is loaded). Call once at start, before any range; later calls return the first answer.
    /// </summary>
    public static bool Initialize()
    {
        if (Enabled || Environment.GetEnvironmentVariable(EnableVariable) != "1")
        {
            return Enabled;
        }

        string? injection = Environment.GetEnvironmentVariable(InjectionVariable);
        if (string.IsNullOrEmpty(injection))
        {
            Status = $"off: {EnableVariable}=1 but no profiler is attached ({InjectionVariable} is not set; run under nsys profile or ncu --nvtx)";
            return false;
        }

        if (!NativeLibrary.TryLoad(injection, out IntPtr library))
        {
            Status = $"off: {InjectionVariable}={injection} could not be loaded";
            return false;
        }

        if (!NativeLibrary.TryGetExport(library, InitializeExport, out IntPtr initialize))
        {
            Status = $"off: {injection} has no {InitializeExport}";
            return false;
        }

        return Attach((delegate* unmanaged<delegate* unmanaged<uint, void*>, int>)initialize, injection);
    }

    /// <summary>
    /// Runs the injection handshake with <paramref name="initializeInjection"/> (a profiler's
    /// <c>InitializeInjectionNvtx2</c>); true when it installed push and pop. Internal so a test can be the profiler.
    /// </summary>
    internal static bool Attach(delegate* unmanaged<delegate* unmanaged<uint, void*>, int> initializeInjection, string name)
    {
        AllocateTables();
        int accepted = initializeInjection(&GetExportTable);
        void* push = s_slots[CoreRangePushA];
        void* pop = s_slots[CoreRangePop];
        if (accepted != 1 || push is null || pop is null)
        {
            Status = $"off: {name} did not install range push/pop (answered {accepted})";
            return false;
        }

        s_rangePush = (delegate* unmanaged<byte*, int>)push;
        s_rangePop = (delegate* unmanaged<int>)pop;
        Enabled = true;
        Status = $"on: ranges go to {name}";
        return true;
    }

    /// <summary>Detaches (tests only: a profiler keeps the tables for the life of the process).</summary>
    internal static void Reset()
    {
        Enabled = false;
        s_rangePush = null;
        s_rangePop = null;
        Status = $"off: {EnableVariable} is not 1";
    }

    /// <summary>Opens a range named <paramref name="name"/> on this thread; dispose to close it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Range Push(NvtxName name)
    {
        if (!Enabled)
        {
            return default;
        }

        s_rangePush(name.Pointer);
        return new Range(true);
    }

    /// <summary>An open range; <see cref="Dispose"/> pops it (nothing when ranges are off).</summary>
    public readonly struct Range(bool open) : IDisposable
    {
        public void Dispose()
        {
            if (open)
            {
                s_rangePop();
            }
        }
    }

    private static void AllocateTables()
    {
        if (s_slots is not null)
        {
            // A second handshake (tests) starts from empty slots.
            NativeMemory.Clear(s_slots, (nuint)(s_moduleSizes.Sum() * sizeof(void*)));
            return;
        }

        int total = s_moduleSizes.Sum();
        s_slots = (void**)NativeMemory.AllocZeroed((nuint)total, (nuint)sizeof(void*));
        s_slotAddresses = (void***)NativeMemory.AllocZeroed((nuint)total, (nuint)sizeof(void**));
        for (int i = 0; i < total; i++)
        {
            s_slotAddresses[i] = &s_slots[i];
        }

        s_callbacks = (CallbacksTable*)NativeMemory.AllocZeroed((nuint)sizeof(CallbacksTable));
        s_callbacks->StructSize = (nuint)sizeof(CallbacksTable);
        s_callbacks->GetModuleFunctionTable = &GetModuleFunctionTable;
        s_versionInfo = (VersionInfoTable*)NativeMemory.AllocZeroed((nuint)sizeof(VersionInfoTable));
        s_versionInfo->StructSize = (nuint)sizeof(VersionInfoTable);
        s_versionInfo->Version = NvtxVersion;
        s_versionInfo->SetInjectionNvtxVersion = &SetInjectionNvtxVersion;
    }

    [UnmanagedCallersOnly]
    private static void* GetExportTable(uint exportTableId) => exportTableId switch
    {
        ExportTableCallbacks => s_callbacks,
        ExportTableVersionInfo => s_versionInfo,
        _ => null,
    };

    [UnmanagedCallersOnly]
    private static int GetModuleFunctionTable(int module, void**** table, uint* size)
    {
        int index = module - 1;
        if (index < 0 || index >= s_moduleSizes.Length)
        {
            return 0;
        }

        int offset = 0;
        for (int i = 0; i < index; i++)
        {
            offset += s_moduleSizes[i];
        }

        if (table is not null)
        {
            *table = s_slotAddresses + offset;
        }

        if (size is not null)
        {
            *size = (uint)s_moduleSizes[index];
        }

        return 1;
    }

    [UnmanagedCallersOnly]
    private static void SetInjectionNvtxVersion(uint version)
    {
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CallbacksTable
    {
        public nuint StructSize;
        public delegate* unmanaged<int, void****, uint*, int> GetModuleFunctionTable;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct VersionInfoTable
    {
        public nuint StructSize;
        public uint Version;
        public uint Reserved0;
        public delegate* unmanaged<uint, void> SetInjectionNvtxVersion;
    }
}

/// <summary>
/// A range name encoded once as a NUL-terminated byte string in native memory, so opening a range allocates nothing.
/// Make them static: they are never freed.
/// </summary>
public sealed unsafe class NvtxName
{
    public NvtxName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Text = name;
        byte[] bytes = Encoding.ASCII.GetBytes(name);
        Pointer = (byte*)NativeMemory.AllocZeroed((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(Pointer, bytes.Length));
    }

    /// <summary>The name as given.</summary>
    public string Text { get; }

    internal byte* Pointer { get; }

    public override string ToString() => Text;
}
