using System.Runtime.InteropServices;
using EdgeBench.Core.Profiling;

namespace EdgeBench.Tests.Core.Profiling;

/// <summary>
/// The NVTX injection handshake with this test as the profiler: it does what Nsight's injection library does (asks the
/// export table for the callbacks, takes every module's function table, writes its handlers into the core slots), and
/// its handlers record what EdgeBench sends. Nvtx is process-wide state: these tests do not run in parallel.
/// </summary>
[Collection(nameof(NvtxTests))]
[CollectionDefinition(nameof(NvtxTests), DisableParallelization = true)]
public sealed unsafe class NvtxTests : IDisposable
{
    private static readonly List<string> s_events = [];
    private static readonly List<(int Module, uint Size)> s_modules = [];
    private static int s_answer = 1;

    public NvtxTests()
    {
        s_events.Clear();
        s_modules.Clear();
        s_answer = 1;
    }

    public void Dispose() => Nvtx.Reset();

    [Fact]
    public void A_profiler_that_installs_push_and_pop_receives_each_range_by_name_in_order()
    {
        Assert.True(Nvtx.Attach(&FakeProfiler, "fake profiler"));

        using (Nvtx.Push(StageRanges.Frame))
        {
            using (Nvtx.Push(StageRanges.Preprocess))
            {
            }

            using (Nvtx.Push(StageRanges.Inference))
            {
            }
        }

        Assert.True(Nvtx.Enabled);
        Assert.Equal("on: ranges go to fake profiler", Nvtx.Status);
        Assert.Equal(["push frame", "push preprocess", "pop", "push inference", "pop", "pop"], s_events);
        // Every callback module's table in nvtxTypes.h's sizes (core, CUDA, OpenCL, CUDA runtime, core2, sync); a
        // module past them is refused.
        Assert.Equal([(1, 16u), (2, 9u), (3, 15u), (4, 7u), (5, 16u), (6, 7u), (7, 0u)], s_modules);
    }

    [Fact]
    public void A_profiler_that_declines_leaves_ranges_off_and_says_so()
    {
        s_answer = 0;

        Assert.False(Nvtx.Attach(&FakeProfiler, "fake profiler"));

        using (Nvtx.Push(StageRanges.Inference))
        {
        }

        Assert.False(Nvtx.Enabled);
        Assert.Equal("off: fake profiler did not install range push/pop (answered 0)", Nvtx.Status);
        Assert.Empty(s_events);
    }

    [Fact]
    public void Without_the_switch_nothing_is_loaded_and_with_it_but_no_profiler_the_status_names_the_variable()
    {
        string? enable = Environment.GetEnvironmentVariable(Nvtx.EnableVariable);
        string? injection = Environment.GetEnvironmentVariable(Nvtx.InjectionVariable);
        try
        {
            Environment.SetEnvironmentVariable(Nvtx.EnableVariable, null);
            Environment.SetEnvironmentVariable(Nvtx.InjectionVariable, "/nonexistent/libinjection.so");
            Assert.False(Nvtx.Initialize());
            Assert.Equal("off: EDGEBENCH_NVTX is not 1", Nvtx.Status);

            Environment.SetEnvironmentVariable(Nvtx.EnableVariable, "1");
            Assert.False(Nvtx.Initialize());
            Assert.Equal("off: NVTX_INJECTION64_PATH=/nonexistent/libinjection.so could not be loaded", Nvtx.Status);

            Environment.SetEnvironmentVariable(Nvtx.InjectionVariable, null);
            Assert.False(Nvtx.Initialize());
            Assert.StartsWith("off: EDGEBENCH_NVTX=1 but no profiler is attached (NVTX_INJECTION64_PATH is not set", Nvtx.Status, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Nvtx.EnableVariable, enable);
            Environment.SetEnvironmentVariable(Nvtx.InjectionVariable, injection);
        }
    }

    [UnmanagedCallersOnly]
    private static int FakeProfiler(delegate* unmanaged<uint, void*> getExportTable)
    {
        var callbacks = (CallbacksTable*)getExportTable(1);
        if (callbacks is null || callbacks->StructSize != (nuint)sizeof(CallbacksTable) || getExportTable(2) is not null)
        {
            return 0;
        }

        void*** core = null;
        for (int module = 1; module <= 7; module++)
        {
            void*** table = null;
            uint size = 0;
            int found = callbacks->GetModuleFunctionTable(module, &table, &size);
            s_modules.Add((module, found == 1 ? size : 0));
            if (module == 1)
            {
                core = table;
            }
        }

        if (s_answer == 1)
        {
            *core[9] = (delegate* unmanaged<byte*, int>)&RecordPush;
            *core[11] = (delegate* unmanaged<int>)&RecordPop;
        }

        return s_answer;
    }

    [UnmanagedCallersOnly]
    private static int RecordPush(byte* name)
    {
        s_events.Add("push " + Marshal.PtrToStringAnsi((IntPtr)name));
        return s_events.Count;
    }

    [UnmanagedCallersOnly]
    private static int RecordPop()
    {
        s_events.Add("pop");
        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CallbacksTable
    {
        public nuint StructSize;
        public delegate* unmanaged<int, void****, uint*, int> GetModuleFunctionTable;
    }
}
