using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>A user-supplied ONNX Runtime library (<see cref="OrtNativeLibrary.Variable"/>) that cannot be used.</summary>
public sealed class OrtLibraryException : Exception
{
    public OrtLibraryException(string message)
        : base(message)
    {
    }

    public OrtLibraryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OrtLibraryException()
    {
    }
}

/// <summary>
/// Points the ONNX Runtime C# API at the user's own native library: <c>EDGEBENCH_ORT_LIBRARY=/path/libonnxruntime.so</c>
/// (a JetPack build on a Jetson, a TensorRT-enabled build, a newer release). Unset, the native library of the package
/// this build references is used, as ONNX Runtime's own resolver finds it.
/// </summary>
/// <remarks>
/// .NET resolves a P/Invoke library once per assembly, on the first call, and ONNX Runtime registers its own resolver
/// in the static constructor of its internal NativeMethods class, which any ONNX Runtime API reaches. So ours must be
/// registered before the first ONNX Runtime call of the process: every way into ONNX Runtime in this assembly
/// (<see cref="BoundSession"/>, which every runner creates its session through, <see cref="OrtProviders"/>, and
/// <see cref="OrtBackend"/>'s static queries) calls <see cref="EnsureConfigured"/> first, and EdgeBench reaches ONNX Runtime only through them. Code that uses the
/// ONNX Runtime API directly must call <see cref="EnsureConfigured"/> before it.
/// The managed API (Microsoft.ML.OnnxRuntime.Managed) must not be newer than the native library: ONNX Runtime's
/// C API is versioned and an older library refuses a newer API version.
/// </remarks>
public static class OrtNativeLibrary
{
    /// <summary>The environment variable naming the native library file.</summary>
    public const string Variable = "EDGEBENCH_ORT_LIBRARY";

    /// <summary>The library name ONNX Runtime's C# API imports (<c>DllImport("onnxruntime")</c>).</summary>
    private const string OrtImportName = "onnxruntime";

    private static readonly Lock s_lock = new();
    private static bool s_configured;
    private static IntPtr s_handle;

    /// <summary>The library file in use when <see cref="Variable"/> is set; null for the package's own.</summary>
    public static string? ConfiguredPath { get; private set; }

    /// <summary>
    /// Registers the resolver for <see cref="Variable"/> once per process (no-op when it is unset). Throws
    /// <see cref="OrtLibraryException"/> naming the variable and the path when the file is missing, is not an ONNX
    /// Runtime library, or ONNX Runtime was already loaded before this call.
    /// </summary>
    public static void EnsureConfigured()
    {
        lock (s_lock)
        {
            if (s_configured)
            {
                return;
            }

            string? path = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrWhiteSpace(path))
            {
                s_configured = true;
                return;
            }

            IntPtr handle = Load(path);
            // ONNX Runtime's own resolver would otherwise be registered first, and a second registration throws.
            OrtEnv.DisableDllImportResolver = true;
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, Resolve);
            }
            catch (InvalidOperationException e)
            {
                throw new OrtLibraryException(
                    $"{Variable}={path}: ONNX Runtime was already loaded before EdgeBench could point it at this library; the variable must be set before the program starts.", e);
            }

            s_handle = handle;
            ConfiguredPath = Path.GetFullPath(path);
            s_configured = true;
        }
    }

    /// <summary>
    /// Loads <paramref name="path"/> and checks that it is an ONNX Runtime library (it exports OrtGetApiBase);
    /// failures name <see cref="Variable"/> and the path.
    /// </summary>
    internal static IntPtr Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new OrtLibraryException(
                $"{Variable}={path}: no such file. Point it at an ONNX Runtime native library (libonnxruntime.so, e.g. a JetPack build; see eng/gpu/README.md) or unset it to use the one this build ships.");
        }

        if (!NativeLibrary.TryLoad(Path.GetFullPath(path), out IntPtr handle))
        {
            throw new OrtLibraryException(
                $"{Variable}={path}: the library could not be loaded (wrong architecture, or a library it needs is missing: check with `ldd {path}`).");
        }

        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out _))
        {
            throw new OrtLibraryException($"{Variable}={path}: not an ONNX Runtime library (it does not export OrtGetApiBase).");
        }

        return handle;
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        // Other imports of the assembly (e.g. the extensions library) keep the default lookup.
        libraryName == OrtImportName ? s_handle : IntPtr.Zero;
}
