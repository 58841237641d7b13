using System.Collections.Concurrent;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The pre- and postprocessing kernels of the GPU-resident camera loops, PipelineKernels.cu (embedded beside this file):
/// compiled by NVRTC for the current GPU once per process (cached by compute capability), loaded as a CUDA library,
/// launched on a caller's stream. Launch methods only queue work; nothing here synchronizes.
/// </summary>
internal sealed unsafe class CudaPipelineKernels : IDisposable
{
    /// <summary>Block size of the selection kernels: also the most candidates per class (k) that enter NMS.</summary>
    public const int MaxSelected = 256;

    /// <summary>Largest foreground class count the merge key holds (7 bits).</summary>
    public const int MaxClasses = 128;

    /// <summary>Largest box count the keys hold (16 bits, 65535 reserved).</summary>
    public const int MaxBoxes = 65535;

    private const string SourceName = "PipelineKernels.cu";
    // ssd_scores' block: SCORE_BOXES boxes x SCORE_GROUPS class groups (PipelineKernels.cu).
    private const int ScoreBoxes = 32;
    private const int ScoreGroups = 8;
    // yolo_decode's block: YOLO_BOXES boxes x YOLO_GROUPS class groups (PipelineKernels.cu).
    private const int YoloBoxes = 32;
    private const int YoloGroups = 8;
    // ssd_merge ranks THREADS / 4 keys per block (four threads per key).
    private const int MergeKeys = MaxSelected / 4;
    private const int PixelThreads = 256;

    /// <summary>
    /// Extra NVRTC options, space-separated, e.g. <c>-DRANK_LIMIT=0</c> (radix select for every class) or
    /// <c>-DCANDIDATES=16</c> (class selection from global memory, the merge in tiles of 16 keys): for checking the
    /// selection paths the SSD300 data never takes; the benchmark's setup check then compares them with the C#
    /// postprocess like the default build.
    /// </summary>
    public const string DefinesVariable = "EDGEBENCH_CUDA_KERNEL_DEFINES";

    private static readonly ConcurrentDictionary<(int Major, int Minor, int Classes, string Defines), byte[]> s_ptx = new();

    private readonly IntPtr _library;
    private readonly IntPtr _preprocessF32;
    private readonly IntPtr _preprocessF16;
    private readonly IntPtr _scoresF32;
    private readonly IntPtr _scoresF16;
    private readonly IntPtr _yoloF32;
    private readonly IntPtr _yoloF16;
    private readonly IntPtr _classSelect;
    private readonly IntPtr _classMask;
    private readonly IntPtr _classGreedy;
    private readonly IntPtr _merge;

    /// <summary>
    /// Compiles (first time per GPU kind and class count) and loads the kernels for CUDA device
    /// <paramref name="device"/> and SSD outputs of <paramref name="classes"/> score channels (background included).
    /// </summary>
    public CudaPipelineKernels(int device, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, MaxClasses + 1);
        CudaRuntime.SetDevice(device);
        (int major, int minor) = CudaRuntime.ComputeCapability(device);
        string defines = Environment.GetEnvironmentVariable(DefinesVariable) ?? string.Empty;
        byte[] ptx = s_ptx.GetOrAdd((major, minor, classes, defines), key => Nvrtc.CompileToPtx(Source(), SourceName,
        [
            $"--gpu-architecture=compute_{key.Major}{key.Minor}",
            $"-DSSD_CLASSES={key.Classes}",
            "--std=c++17",
            // a * b + c rounded twice, as .NET computes it: the kernels reproduce the C# references' arithmetic.
            "--fmad=false",
            .. key.Defines.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        ]));
        try
        {
            _library = CudaRuntime.LoadLibrary(ptx);
        }
        catch (EntryPointNotFoundException e)
        {
            // cudaLibraryLoadData came with CUDA 12.0; JetPack 5's CUDA 11.4 runtime lacks it.
            throw new ProviderUnavailableException($"the CUDA kernels need a CUDA 12 or newer runtime (cudaLibraryLoadData); the loaded one lacks it ({e.Message})", e);
        }

        try
        {
            _preprocessF32 = CudaRuntime.GetKernel(_library, "preprocess_f32");
            _preprocessF16 = CudaRuntime.GetKernel(_library, "preprocess_f16");
            _scoresF32 = CudaRuntime.GetKernel(_library, "ssd_scores_f32");
            _scoresF16 = CudaRuntime.GetKernel(_library, "ssd_scores_f16");
            _yoloF32 = CudaRuntime.GetKernel(_library, "yolo_decode_f32");
            _yoloF16 = CudaRuntime.GetKernel(_library, "yolo_decode_f16");
            _classSelect = CudaRuntime.GetKernel(_library, "ssd_class_select");
            _classMask = CudaRuntime.GetKernel(_library, "ssd_class_mask");
            _classGreedy = CudaRuntime.GetKernel(_library, "ssd_class_greedy");
            _merge = CudaRuntime.GetKernel(_library, "ssd_merge");
        }
        catch
        {
            CudaRuntime.UnloadLibrary(_library);
            throw;
        }
    }

    /// <summary>
    /// Why the kernels cannot run here (no CUDA runtime, no NVRTC), or null when both libraries load. The GPU itself
    /// is checked when a session or the kernels start.
    /// </summary>
    public static string? Unavailable() =>
        !CudaRuntime.IsLoadable ? $"the CUDA kernels need the CUDA runtime: none of {string.Join(", ", CudaRuntime.Candidates)} is on the library path (LD_LIBRARY_PATH)"
        : !Nvrtc.IsLoadable ? $"the CUDA kernels are compiled at run time by NVRTC: none of {string.Join(", ", Nvrtc.Candidates)} is on the library path (LD_LIBRARY_PATH)"
        : null;

    /// <summary>The kernel source, as embedded in this assembly.</summary>
    public static string Source()
    {
        using Stream stream = typeof(CudaPipelineKernels).Assembly.GetManifestResourceStream(SourceName)
            ?? throw new InvalidOperationException($"{SourceName} is not embedded in {typeof(CudaPipelineKernels).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Frames uint8 [N, H, W, 3] -> model input [N, 3, outH, outW] (fp32 or fp16 bits).</summary>
    public void Preprocess(IntPtr frames, int frameWidth, int frameHeight, in ResizeTapBuffers taps, int outWidth, int outHeight,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> offset, bool bgr, bool half, IntPtr output, int batch, IntPtr stream)
    {
        float s0 = scale[0], s1 = scale[1], s2 = scale[2], o0 = offset[0], o1 = offset[1], o2 = offset[2];
        IntPtr x0 = taps.X0, x1 = taps.X1, wx = taps.Wx, y0 = taps.Y0, y1 = taps.Y1, wy = taps.Wy;
        int isBgr = bgr ? 1 : 0;
        void** args = stackalloc void*[]
        {
            &frames, &frameWidth, &frameHeight, &x0, &x1, &wx, &y0, &y1, &wy, &outWidth, &outHeight,
            &s0, &s1, &s2, &o0, &o1, &o2, &isBgr, &output,
        };
        uint blocks = (uint)((outWidth * outHeight) + PixelThreads - 1) / PixelThreads;
        CudaRuntime.Launch(half ? _preprocessF16 : _preprocessF32, new(blocks, 1, (uint)batch), new(PixelThreads), args, stream, "preprocess");
    }

    /// <summary>Softmax + threshold into probs [N, C-1, B], decoded boxes into boxes [N, B, 4] (C: the compiled class count).</summary>
    public void Scores(IntPtr locs, IntPtr logits, IntPtr priors, int boxCount, float threshold, float scaleXy,
        float scaleWh, IntPtr probs, IntPtr boxes, bool half, int batch, IntPtr stream)
    {
        void** args = stackalloc void*[] { &locs, &logits, &priors, &boxCount, &threshold, &scaleXy, &scaleWh, &probs, &boxes };
        uint blocks = (uint)(boxCount + ScoreBoxes - 1) / ScoreBoxes;
        CudaRuntime.Launch(half ? _scoresF16 : _scoresF32, new(blocks, (uint)batch), new(ScoreBoxes, ScoreGroups), args, stream, "ssd_scores");
    }

    /// <summary>
    /// YOLOv3-tiny's two heads (coarse [N, A(5+C), G0, G0], fine [N, A(5+C), G1, G1]) into candidate confidences
    /// probs [N, C, B] (0 where not a candidate) and decoded boxes [N, B, 4], B = A(G0² + G1²): the form
    /// <see cref="ClassNms"/> reads. <paramref name="anchorW"/> / <paramref name="anchorH"/>: [2A] floats on the device.
    /// </summary>
    public void YoloDecode(IntPtr coarse, IntPtr fine, int coarseGrid, int fineGrid, int anchorsPerHead, int classes, IntPtr anchorW,
        IntPtr anchorH, int inputSize, float threshold, IntPtr probs, IntPtr boxes, bool half, int batch, IntPtr stream)
    {
        void** args = stackalloc void*[] { &coarse, &fine, &coarseGrid, &fineGrid, &anchorsPerHead, &classes, &anchorW, &anchorH, &inputSize, &threshold, &probs, &boxes };
        int boxCount = anchorsPerHead * ((coarseGrid * coarseGrid) + (fineGrid * fineGrid));
        uint blocks = (uint)(boxCount + YoloBoxes - 1) / YoloBoxes;
        CudaRuntime.Launch(half ? _yoloF16 : _yoloF32, new(blocks, (uint)batch), new(YoloBoxes, YoloGroups), args, stream, "yolo_decode");
    }

    /// <summary>
    /// Per class and image: the top <paramref name="perClassTopK"/> candidates, their overlap masks, greedy NMS; the
    /// kept boxes' merge keys into <see cref="SsdWorkspace.KeptKeys"/> / <see cref="SsdWorkspace.KeptCounts"/>.
    /// </summary>
    public void ClassNms(IntPtr probs, IntPtr boxes, int boxCount, int foregroundClasses, int perClassTopK, float iouThreshold,
        bool suppressAtOrAbove, in SsdWorkspace workspace, int batch, IntPtr stream)
    {
        IntPtr sortedKeys = workspace.SortedKeys, sortedBoxes = workspace.SortedBoxes, sortedCounts = workspace.SortedCounts;
        IntPtr masks = workspace.Masks, keptKeys = workspace.KeptKeys, keptCounts = workspace.KeptCounts;
        int atOrAbove = suppressAtOrAbove ? 1 : 0;
        void** select = stackalloc void*[] { &probs, &boxes, &boxCount, &foregroundClasses, &perClassTopK, &sortedKeys, &sortedBoxes, &sortedCounts };
        CudaRuntime.Launch(_classSelect, new((uint)foregroundClasses, (uint)batch), new(MaxSelected), select, stream, "ssd_class_select");
        void** mask = stackalloc void*[] { &sortedBoxes, &sortedCounts, &foregroundClasses, &perClassTopK, &iouThreshold, &atOrAbove, &masks };
        uint chunks = (uint)(perClassTopK + 31) / 32;
        CudaRuntime.Launch(_classMask, new(chunks, (uint)foregroundClasses, (uint)batch), new(MaxSelected), mask, stream, "ssd_class_mask");
        void** greedy = stackalloc void*[] { &sortedKeys, &sortedCounts, &masks, &foregroundClasses, &perClassTopK, &keptKeys, &keptCounts };
        CudaRuntime.Launch(_classGreedy, new((uint)foregroundClasses, (uint)batch), new(MaxSelected), greedy, stream, "ssd_class_greedy");
    }

    /// <summary>
    /// Per image: the best <paramref name="maxDetections"/> kept boxes into scores | labels | boxes; a label is
    /// <paramref name="labelBase"/> + the class's index among the <paramref name="foregroundClasses"/> (SSD: 1, its
    /// class 0 being the background; YOLO: 0).
    /// </summary>
    public void Merge(IntPtr keptKeys, IntPtr keptCounts, IntPtr boxes, int boxCount, int foregroundClasses, int perClassTopK,
        int maxDetections, int labelBase, IntPtr results, int batch, IntPtr stream)
    {
        void** args = stackalloc void*[] { &keptKeys, &keptCounts, &boxes, &boxCount, &foregroundClasses, &perClassTopK, &maxDetections, &batch, &labelBase, &results };
        // One block per 64 of the (C-1) x k kept-key slots an image can have; those past the image's kept count leave at once.
        uint blocks = (uint)((foregroundClasses * perClassTopK) + MergeKeys - 1) / MergeKeys;
        CudaRuntime.Launch(_merge, new(blocks, (uint)batch), new(MaxSelected), args, stream, "ssd_merge");
    }

    public void Dispose() => CudaRuntime.UnloadLibrary(_library);
}

/// <summary>
/// Device buffers between the per-class kernels, each [N, C-1, k, ...]: the sorted candidates' keys (8 bytes),
/// boxes (16 bytes) and counts, the overlap masks (k x 8 words of 4 bytes per list), the kept keys (8 bytes) and counts.
/// </summary>
internal readonly record struct SsdWorkspace(IntPtr SortedKeys, IntPtr SortedBoxes, IntPtr SortedCounts, IntPtr Masks, IntPtr KeptKeys, IntPtr KeptCounts)
{
    /// <summary>Words per mask row (the kernels' block size / 32).</summary>
    public const int MaskWords = CudaPipelineKernels.MaxSelected / 32;
}

/// <summary>Device addresses of the bilinear tap tables: per output column x0, x1, wx; per output row y0, y1, wy.</summary>
internal readonly record struct ResizeTapBuffers(IntPtr X0, IntPtr X1, IntPtr Wx, IntPtr Y0, IntPtr Y1, IntPtr Wy);
