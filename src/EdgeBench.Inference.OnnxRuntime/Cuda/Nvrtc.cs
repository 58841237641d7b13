using System.Runtime.InteropServices;
using System.Text;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// NVRTC, CUDA's run-time compiler: turns EdgeBench's CUDA C source (PipelineKernels.cu, embedded in this assembly) into
/// PTX for the GPU at hand, so the build needs no CUDA toolkit and one binary serves every GPU generation (an H200's
/// sm_90, a Jetson Orin's sm_87). libnvrtc ships with the CUDA toolkit, JetPack and PyTorch's CUDA wheels.
/// </summary>
internal static partial class Nvrtc
{
    internal const string ImportName = "edgebench-nvrtc";

    /// <summary>Sonames tried in order: CUDA 13 (the GPU package's), CUDA 12 (JetPack 6), the unversioned link.</summary>
    internal static readonly string[] Candidates = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"];

    private static readonly Lazy<IntPtr> s_handle = new(() => CudaRuntime.LoadFirst(Candidates));

    static Nvrtc() => CudaRuntime.EnsureResolver();

    /// <summary>Whether an NVRTC library could be loaded.</summary>
    public static bool IsLoadable => s_handle.Value != IntPtr.Zero;

    internal static IntPtr Handle => s_handle.Value != IntPtr.Zero
        ? s_handle.Value
        : throw new DllNotFoundException($"No NVRTC library ({string.Join(", ", Candidates)}) on the library path; add its folder to LD_LIBRARY_PATH.");

    /// <summary>
    /// Compiles <paramref name="source"/> to PTX (null-terminated, ready for cudaLibraryLoadData) with
    /// <paramref name="options"/>; a compile error raises with NVRTC's log, which names the line.
    /// </summary>
    public static byte[] CompileToPtx(string source, string fileName, IReadOnlyList<string> options)
    {
        Check(nvrtcCreateProgram(out IntPtr program, source, fileName, 0, IntPtr.Zero, IntPtr.Zero), "nvrtcCreateProgram");
        try
        {
            IntPtr[] optionPointers = options.Select(Marshal.StringToCoTaskMemUTF8).ToArray();
            int compiled;
            try
            {
                compiled = nvrtcCompileProgram(program, optionPointers.Length, optionPointers);
            }
            finally
            {
                foreach (IntPtr pointer in optionPointers)
                {
                    Marshal.FreeCoTaskMem(pointer);
                }
            }

            if (compiled != 0)
            {
                throw new InvalidOperationException($"NVRTC could not compile {fileName} ({string.Join(' ', options)}): {ErrorText(compiled)}\n{Log(program)}");
            }

            Check(nvrtcGetPTXSize(program, out nuint size), "nvrtcGetPTXSize");
            byte[] ptx = new byte[(int)size]; // includes the terminating zero
            Check(nvrtcGetPTX(program, ptx), "nvrtcGetPTX");
            return ptx;
        }
        finally
        {
            _ = nvrtcDestroyProgram(ref program);
        }
    }

    private static string Log(IntPtr program)
    {
        if (nvrtcGetProgramLogSize(program, out nuint size) != 0 || size <= 1)
        {
            return string.Empty;
        }

        byte[] log = new byte[(int)size];
        return nvrtcGetProgramLog(program, log) == 0 ? Encoding.UTF8.GetString(log, 0, log.Length - 1) : string.Empty;
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{what} failed: {ErrorText(result)}.");
        }
    }

    private static string ErrorText(int result) => $"NVRTC error {result} ({Marshal.PtrToStringUTF8(nvrtcGetErrorString(result)) ?? "unknown"})";

    [LibraryImport(ImportName, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int nvrtcCreateProgram(out IntPtr program, string source, string name, int headerCount, IntPtr headers, IntPtr includeNames);

    [LibraryImport(ImportName)]
    private static partial int nvrtcCompileProgram(IntPtr program, int optionCount, IntPtr[] options);

    [LibraryImport(ImportName)]
    private static partial int nvrtcGetPTXSize(IntPtr program, out nuint size);

    [LibraryImport(ImportName)]
    private static partial int nvrtcGetPTX(IntPtr program, [Out] byte[] ptx);

    [LibraryImport(ImportName)]
    private static partial int nvrtcGetProgramLogSize(IntPtr program, out nuint size);

    [LibraryImport(ImportName)]
    private static partial int nvrtcGetProgramLog(IntPtr program, [Out] byte[] log);

    [LibraryImport(ImportName)]
    private static partial int nvrtcDestroyProgram(ref IntPtr program);

    [LibraryImport(ImportName)]
    private static partial IntPtr nvrtcGetErrorString(int result);
}
