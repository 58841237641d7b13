using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Models.Fused;
using EdgeBench.Models.Zoo;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// Runs the fused SSD graph (<see cref="FusedSsdModels"/>): camera frames in (uint8 [N,H,W,3] BGR), fixed-shape
/// detections out (scores [N,D], labels [N,D], boxes [N,D,4]). Everything is created once and bound with
/// <see cref="OrtIoBinding"/>, so <see cref="Run"/> allocates nothing on the CPU provider and device-bound (host-copy
/// on a GPU provider re-binds the frames each run: one small UTF-8 name).
/// </summary>
/// <remarks>
/// <para>A class of its own rather than <see cref="OrtBackend"/>/<see cref="OrtDeviceBoundBackend"/> with a uint8
/// <c>HostTensor</c>: those implement <c>IInferenceBackend</c>, whose contract is "the model's NCHW input in the
/// model's precision, outputs for the C# postprocess", and HostTensor's element type is that precision (fp32/fp16).
/// The fused graph has neither (its input is camera frames, its outputs are final detections), so widening those
/// types would blur what every other backend promises for the sake of one graph.</para>
/// <para>Two I/O modes, as the other ONNX Runtime backends have:</para>
/// <list type="bullet">
/// <item>host (<c>deviceBound</c> false; CPU, or CUDA/TensorRT host-copy): I/O bound to pinned host memory; on a GPU
/// provider the frames are bound again before each run (ONNX Runtime copies a host input when it is bound) and
/// ONNX Runtime copies the outputs out inside the run.</item>
/// <item>device-bound (CUDA/TensorRT): I/O bound to device buffers; <see cref="Run"/> uploads the frames once, runs,
/// waits for the device, and downloads only the small outputs (N x D x 6 floats + N).</item>
/// </list>
/// <para>A model with NMS unrolled (<see cref="FusedSsdSpec.NmsSteps"/> &gt; 0, as the ladder uses on every
/// backend) comes with its exact companion (<see cref="FusedSsdModel.Exact"/>): a second session, bound to the same
/// buffers and run once here so its first use is warm, which runs the batch again whenever <c>nms_converged</c>
/// reports an image the unrolled steps did not finish (<see cref="ExactReruns"/> counts them), so the detections are
/// always greedy NMS's. The unrolled form has no Loop, which is what <see cref="OrtBackendOptions.CudaGraph"/>
/// (device-bound only: the run is one CUDA graph replay) needs.</para>
/// </remarks>
public sealed class OrtFusedSsdRunner : IDisposable
{
    /// <summary>
    /// A call number: when set, device-bound runners open the CUDA profiler window (cudaProfilerStart/Stop) around
    /// that call's session run, so `ncu --profile-from-start off` records the kernels of exactly one run of the fused
    /// graph (per-kernel GPU time, which ONNX Runtime's own profiler, host-side, cannot give). For finding where the
    /// graph's GPU time goes; the profiled call is slow, so do not compare the timings of such a run.
    /// </summary>
    public const string CudaProfileCallVariable = "EDGEBENCH_CUDA_PROFILE_CALL";

    private static readonly int s_profileCall = int.TryParse(Environment.GetEnvironmentVariable(CudaProfileCallVariable), out int call) ? call : -1;

    // The graph, and in device-bound mode the device blocks below; the exact companion binds views of the same memory.
    private readonly BoundSession _session;
    private readonly BoundSession? _exactSession;
    private readonly byte[] _frames;
    // The four outputs side by side in one pinned block (scores | labels | boxes | converged), and in device-bound
    // mode in one device block of the same layout, so one copy brings a run's results back: each synchronous
    // device-to-host copy costs ~10 us of latency, which at batch 1 is a visible share of a ~2 ms frame.
    private readonly float[] _results;
    private readonly int _convergedAt;
    private readonly IntPtr _deviceFrames;
    private readonly IntPtr _deviceResults;
    private readonly bool _deviceBound;
    private readonly bool _framesPageLocked;

    /// <summary>
    /// Creates the session and buffers for batches of <paramref name="batchSize"/> frames. A provider that cannot
    /// start here raises <see cref="ProviderUnavailableException"/>.
    /// </summary>
    public OrtFusedSsdRunner(FusedSsdModel model, int batchSize, OrtBackendOptions options, bool deviceBound)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (options.CudaGraph && (!deviceBound || model.Spec.NmsSteps == 0))
        {
            throw new ArgumentException($"A CUDA graph needs device-bound I/O and a fused graph without a Loop (NMS unrolled); {model.Path} has NMS steps {model.Spec.NmsSteps}, device-bound {deviceBound}.", nameof(options));
        }

        BatchSize = batchSize;
        MaxDetections = model.Spec.MaxDetections;
        FrameWidth = model.Spec.FrameWidth;
        FrameHeight = model.Spec.FrameHeight;
        _deviceBound = deviceBound;
        // Pinned: ONNX Runtime and cudaMemcpy keep raw pointers to these arrays.
        _frames = GC.AllocateArray<byte>(checked(batchSize * FrameHeight * FrameWidth * 3), pinned: true);
        _convergedAt = DetectionSlots.ResultFloats(batchSize, MaxDetections);
        _results = GC.AllocateArray<float>(_convergedAt + batchSize, pinned: true);

        // The descriptor is the source model's; the session loads the fused file.
        var fused = new ResolvedModel(model.Source.Descriptor, model.Precision, model.Path, model.Source.Source);
        _session = new BoundSession(fused, options, deviceBound);
        try
        {
            if (model.Exact is { } exact)
            {
                // The Loop form cannot be captured: it runs as a plain CUDA (or CPU) session on the same buffers.
                _exactSession = new BoundSession(new ResolvedModel(exact.Source.Descriptor, exact.Precision, exact.Path, exact.Source.Source), options with { CudaGraph = false }, deviceBound: false);
            }

            long n = batchSize, d = MaxDetections;
            _deviceFrames = Block(DeviceBuffers.AddressOf(_frames), _frames.Length);
            _deviceResults = Block(DeviceBuffers.AddressOf(_results), _results.Length * 4L);
            Bind(FusedSsdModels.FramesInput, TensorElementType.UInt8, [n, FrameHeight, FrameWidth, 3], 0, isInput: true);
            Bind(FusedSsdModels.ScoresOutput, TensorElementType.Float, [n, d], 0, isInput: false);
            Bind(FusedSsdModels.LabelsOutput, TensorElementType.Float, [n, d], DetectionSlots.LabelsAt(batchSize, MaxDetections), isInput: false);
            Bind(FusedSsdModels.BoxesOutput, TensorElementType.Float, [n, d, 4], DetectionSlots.BoxesAt(batchSize, MaxDetections), isInput: false);
            Bind(FusedSsdModels.ConvergedOutput, TensorElementType.Float, [n, 1], _convergedAt, isInput: false);
            _framesPageLocked = deviceBound && _session.Device.IsPageLocked(DeviceBuffers.AddressOf(_frames));
            if (_exactSession is not null)
            {
                // Session start-up work (cuDNN's algorithm search, arena growth) belongs in setup, not in the first
                // timed call that happens to need the exact form.
                RunSession(_exactSession);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Runs whose batch the unrolled NMS did not finish, so the exact form ran it again (see the remarks).</summary>
    public int ExactReruns { get; private set; }

    /// <summary>Calls of <see cref="Run"/> so far.</summary>
    public int Runs { get; private set; }

    public int BatchSize { get; }

    /// <summary>Detection slots per image (D).</summary>
    public int MaxDetections { get; }

    public int FrameWidth { get; }

    public int FrameHeight { get; }

    /// <summary>
    /// Copies camera frames (BGR24, exactly <see cref="BatchSize"/>, of the graph's frame size) into the runner's packed
    /// [N, H, W, 3] buffer: one copy per frame, row by row only when a frame is strided.
    /// </summary>
    public void LoadFrames(ReadOnlySpan<FrameBuffer> frames) => DetectionSlots.LoadFrames(frames, _frames, FrameWidth, FrameHeight);

    /// <summary>
    /// The filled slots of the last run as detections, best first per image, into <paramref name="detections"/>
    /// (cleared first; no allocation once its capacity suffices); returns their count.
    /// </summary>
    public int ReadDetections(List<Detection> detections) => DetectionSlots.Read(_results, BatchSize, MaxDetections, detections);

    /// <summary>Runs the graph on the frames <see cref="LoadFrames"/> copied; returns when the outputs are in host memory.</summary>
    public void Run()
    {
        if (_deviceBound)
        {
            CudaRuntime.CopyToDevice(_deviceFrames, DeviceBuffers.AddressOf(_frames), _frames.Length);
            if (!_framesPageLocked)
            {
                // From pageable memory the copy may still be in flight, and ONNX Runtime's stream does not wait for it.
                _session.SynchronizeBoundInputs();
            }
        }

        Runs++;
        bool profiled = _deviceBound && Runs == s_profileCall;
        if (profiled)
        {
            CudaRuntime.ProfilerStart();
        }

        RunSession(_session);
        if (profiled)
        {
            CudaRuntime.ProfilerStop();
        }

        if (_exactSession is not null && !Converged())
        {
            ExactReruns++;
            RunSession(_exactSession);
        }
    }

    /// <summary>One run; in device-bound mode also waits for the device and copies the result block back.</summary>
    private void RunSession(BoundSession session)
    {
        session.Run();
        if (_deviceBound)
        {
            session.SynchronizeBoundOutputs();
            CudaRuntime.CopyToHost(DeviceBuffers.AddressOf(_results), _deviceResults, _results.Length * 4L);
        }
    }

    /// <summary>Whether every image of the last run reached greedy NMS's result.</summary>
    private bool Converged()
    {
        foreach (float c in _results.AsSpan(_convergedAt))
        {
            if (c != 1f)
            {
                return false;
            }
        }

        return true;
    }

    public void Dispose()
    {
        // The companion first: its views point into the device blocks the graph's session owns.
        _exactSession?.Dispose();
        _session?.Dispose();
    }

    /// <summary>The device block that mirrors <paramref name="bytes"/> of host memory in device-bound mode; zero in host mode.</summary>
    private IntPtr Block(IntPtr host, long bytes) =>
        _deviceBound ? _session.Device.Allocate(host, bytes, TensorElementType.UInt8, [bytes]).Address : IntPtr.Zero;

    /// <summary>
    /// Binds one tensor, in both sessions, at element <paramref name="offset"/> of its block: the frames or the
    /// results, in host memory or (device-bound) in the device block that mirrors it.
    /// </summary>
    private void Bind(string name, TensorElementType type, long[] shape, int offset, bool isInput)
    {
        long elements = shape.Aggregate(1L, (a, b) => a * b);
        long bytes = isInput ? elements : elements * sizeof(float);
        long byteOffset = isInput ? offset : offset * (long)sizeof(float);
        IntPtr address = _deviceBound
            ? (isInput ? _deviceFrames : _deviceResults) + (nint)byteOffset
            : (isInput ? DeviceBuffers.AddressOf(_frames) : DeviceBuffers.AddressOf(_results)) + (nint)byteOffset;
        OrtMemoryInfo? deviceMemory = _deviceBound ? _session.Device.MemoryInfo : null;
        _session.BindView(name, isInput, type, shape, address, bytes, deviceMemory);
        _exactSession?.BindView(name, isInput, type, shape, address, bytes, deviceMemory);
    }
}
