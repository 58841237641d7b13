using System.Buffers;
using System.Globalization;
using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Core.Profiling;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using EdgeBench.Postprocessing;
using EdgeBench.Preprocessing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// The whole SSD300 camera loop on one CUDA stream: frames upload, EdgeBench's own preprocess kernel, the unchanged
/// SSD300 model in ONNX Runtime's CUDA provider (optionally replayed as a CUDA graph), EdgeBench's decode + top-k +
/// NMS kernels (<see cref="CudaSsdKernels"/>), one download of the fixed-size results. The alternative to the fused
/// ONNX graph (<see cref="OrtFusedSsdRunner"/>) for putting pre- and postprocessing on the GPU: hand-written kernels
/// where the graph needs ~117 generic ONNX ops (TopK over 16,000 values in one thread block, 1,000 x 1,000 IoU
/// matrices, twelve unrolled NMS steps).
/// </summary>
/// <remarks>
/// <para>ONNX Runtime runs on the stream this class creates (CUDA provider option <c>user_compute_stream</c>), and
/// the run option <c>disable_synchronize_execution_providers</c> keeps it from waiting at the end of its run, so a
/// call queues upload, preprocess, model, postprocess and download back to back and waits once (<see cref="Run"/> at
/// the end, <see cref="RunPipelined"/> for the previous call, before queueing).</para>
/// <para>The arithmetic is the C# references' (PreprocessReference, SsdPostprocessor, DetectionAssembler): same tap
/// tables, same operation order, no fused multiply-adds, NVIDIA's per-class top 200 and greedy NMS with IoU &gt;= 0.5,
/// then the best 200 by score, class and NMS order. Only the exponentials differ (CUDA's expf against .NET's), so a
/// probability can differ in its last bits; <see cref="DownloadModelInput"/> and <see cref="DownloadModelOutputs"/>
/// let a caller run the C# stages on the very same tensors and compare.</para>
/// <para>Device-bound only: this class uploads the frames itself, from wherever they lie (pageable memory, which
/// CUDA stages through its own buffer, unless <see cref="PageLockFrames"/> page-locked them; strided frames go
/// through this class's page-locked buffer); there is no host-copy variant (ONNX Runtime would own the copies and the
/// kernels could not run between them).</para>
/// <para><see cref="RunPipelined"/> is the camera loop double-buffered: a call copies its frames into one of two
/// page-locked buffers while the GPU still works on the previous call, then waits for that call, queues its own and
/// returns; <see cref="ReadDetections"/> then reads the previous call's detections. The host copy of pageable frames
/// (~0.1 ms per VGA frame on the H200's host, as costly by hand as through CUDA's own staging) overlaps GPU work
/// instead of adding to it; the frame rate is what is measured, each frame's latency grows by one call. The upload of
/// those staged frames runs on a second stream into the slot's own device frame buffer, so the copy engine moves call
/// N's frames while the compute stream still runs call N-1; the compute stream waits for that upload (an event) only
/// where its preprocess starts.</para>
/// </remarks>
public sealed class OrtCudaSsdPipeline : IDisposable
{
    // The session with its device memory (ONNX Runtime's CUDA allocator) and the page-locked host ranges.
    private readonly BoundSession _session;
    private readonly List<MemoryHandle> _pins = [];
    private readonly CudaSsdKernels _kernels;
    private readonly IntPtr _stream;

    // RunPipelined's upload stream, and per slot the event its upload completes (the compute stream waits on it).
    private readonly IntPtr _copyStream;
    private readonly IntPtr[] _uploaded = [IntPtr.Zero, IntPtr.Zero];
    private readonly DecodeOptions _decode;
    private readonly bool _half;
    private readonly int _boxCount;
    private readonly int _classCount;
    private readonly int _inputWidth;
    private readonly int _inputHeight;
    private readonly float[] _scale = new float[3];
    private readonly float[] _offset = new float[3];

    // Page-locked host buffers, two of each for RunPipelined (call N's frames are copied into one while the GPU works
    // on call N-1, whose results land in the other). Run stages strided frames in slot 0 and downloads into slot 0.
    private readonly byte[][] _staging = new byte[2][];
    private readonly float[][] _results = new float[2][];
    private readonly PipelineSlots _slots = new();
    // Device frame buffers: slot 0 for Run, both for RunPipelined (call N uploads into one while N-1 reads the other).
    private readonly IntPtr[] _deviceFrames = new IntPtr[2];
    private readonly IntPtr _deviceInput;
    private readonly IntPtr _deviceLocs;
    private readonly IntPtr _deviceLogits;
    private readonly IntPtr _devicePriors;
    private readonly IntPtr _deviceProbs;
    private readonly IntPtr _deviceBoxes;
    private readonly SsdWorkspace _workspace;
    private readonly int _deviceId;
    private bool _disposed;
    private readonly IntPtr _deviceResults;
    private readonly ResizeTapBuffers _taps;
    private readonly long _inputElements;
    private readonly long _locsElements;
    private readonly long _logitsElements;

    /// <summary>
    /// Creates the session, kernels, stream and buffers for batches of <paramref name="batchSize"/> BGR24 frames of
    /// <paramref name="frameWidth"/> x <paramref name="frameHeight"/>. <paramref name="model"/> is the plain SSD300
    /// file (fp32 or fp16 I/O). Raises <see cref="ProviderUnavailableException"/> when CUDA, NVRTC or the provider is
    /// missing here. Decodes with <see cref="DecodeOptions.Default"/>, as the C# pipeline it is compared with.
    /// </summary>
    public OrtCudaSsdPipeline(ResolvedModel model, int batchSize, int frameWidth, int frameHeight, OrtBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);
        if (options.Provider != OrtExecutionProvider.Cuda)
        {
            // The session must run on this class's stream; only the CUDA provider is given it (OrtBackendOptions.CudaStream).
            throw new ArgumentException($"The CUDA kernels path runs the model with the CUDA provider; got {options.Provider}.", nameof(options));
        }

        if (model.Descriptor.Postprocess != PostprocessKind.Ssd)
        {
            throw new ArgumentException($"{model.Descriptor.Id} is not an SSD detector.", nameof(model));
        }

        if (CudaSsdKernels.Unavailable() is { } reason)
        {
            throw new ProviderUnavailableException(reason);
        }

        _decode = DecodeOptions.Default;
        SsdPostprocessor.Validate(_decode); // the C# stage's own checks: the kernels implement the same contract
        if (model.Descriptor.SsdAnchors is not null)
        {
            throw new NotSupportedException($"Model '{model.Descriptor.Id}': the CUDA decode kernel uses SSD300's default boxes; its sidecar describes other anchors (ssd_anchors).");
        }

        SsdDefaultBoxes priors = SsdDefaultBoxes.Coco300;
        _boxCount = priors.Count;
        _classCount = _decode.SsdClassCount;
        if (_decode.SsdPerClassTopK > CudaSsdKernels.MaxSelected || _decode.SsdMaxDetections > CudaSsdKernels.MaxSelected
            || _classCount - 1 > CudaSsdKernels.MaxClasses || _boxCount > CudaSsdKernels.MaxBoxes)
        {
            throw new InvalidOperationException($"The CUDA kernels take at most {CudaSsdKernels.MaxSelected} candidates per class and detections, {CudaSsdKernels.MaxClasses} classes and {CudaSsdKernels.MaxBoxes} boxes; got {_decode.SsdPerClassTopK}, {_decode.SsdMaxDetections}, {_classCount - 1}, {_boxCount}.");
        }

        BatchSize = batchSize;
        _deviceId = options.DeviceId;
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        MaxDetections = _decode.SsdMaxDetections;
        Precision = model.Precision;
        _half = model.Precision == Core.Precision.Fp16;
        ModelDescriptor descriptor = model.Descriptor;
        if (descriptor.Layout != TensorLayout.Nchw || descriptor.Preprocessing != InputPreprocessing.Default)
        {
            throw new NotSupportedException($"Model '{descriptor.Id}': the CUDA preprocess kernel writes NCHW RGB by stretching; its input is {descriptor.Layout} {descriptor.Preprocessing}.");
        }

        _inputWidth = descriptor.InputWidth;
        _inputHeight = descriptor.InputHeight;
        for (int c = 0; c < 3; c++)
        {
            (_scale[c], _offset[c]) = descriptor.Normalization.Affine(c);
        }

        for (int slot = 0; slot < 2; slot++)
        {
            _staging[slot] = GC.AllocateArray<byte>(checked(batchSize * frameHeight * frameWidth * 3), pinned: true);
            _results[slot] = GC.AllocateArray<float>(DetectionSlots.ResultFloats(batchSize, MaxDetections), pinned: true);
        }

        _inputElements = (long)batchSize * 3 * descriptor.InputHeight * descriptor.InputWidth;
        _locsElements = (long)batchSize * 4 * _boxCount;
        _logitsElements = (long)batchSize * _classCount * _boxCount;

        // Stream and kernels first: the session is told to run on this stream.
        CudaRuntime.SetDevice(options.DeviceId);
        _stream = CudaRuntime.CreateStream();
        try
        {
            _copyStream = CudaRuntime.CreateStream();
            _uploaded[0] = CudaRuntime.CreateEvent();
            _uploaded[1] = CudaRuntime.CreateEvent();
            _kernels = new CudaSsdKernels(options.DeviceId, _classCount);
        }
        catch
        {
            DestroyStreamsAndEvents();
            throw;
        }

        try
        {
            // The stream is ours and Run ends with our wait: ONNX Runtime need not wait for its own work.
            _session = new BoundSession(model, options with { CudaStream = _stream }, deviceBound: true,
                run => run.AddRunConfigEntry("disable_synchronize_execution_providers", "1"));
            DeviceBuffers device = _session.Device;

            TensorElementType type = _half ? TensorElementType.Float16 : TensorElementType.Float;
            long n = batchSize;
            _deviceFrames[0] = Device(_staging[0].LongLength);
            _deviceFrames[1] = Device(_staging[1].LongLength);
            (OrtValue input, _deviceInput) = device.Allocate(type, [n, 3, descriptor.InputHeight, descriptor.InputWidth]);
            (OrtValue locs, _deviceLocs) = device.Allocate(type, [n, 4, _boxCount]);
            (OrtValue logits, _deviceLogits) = device.Allocate(type, [n, _classCount, _boxCount]);
            _deviceProbs = Device((long)batchSize * (_classCount - 1) * _boxCount * sizeof(float));
            _deviceBoxes = Device((long)batchSize * _boxCount * 4 * sizeof(float));
            long lists = (long)batchSize * (_classCount - 1);
            long listSlots = lists * _decode.SsdPerClassTopK;
            _workspace = new SsdWorkspace(
                SortedKeys: Device(listSlots * sizeof(ulong)),
                SortedBoxes: Device(listSlots * 4 * sizeof(float)),
                SortedCounts: Device(lists * sizeof(int)),
                Masks: Device(listSlots * SsdWorkspace.MaskWords * sizeof(uint)),
                KeptKeys: Device(listSlots * sizeof(ulong)),
                KeptCounts: Device(lists * sizeof(int)));
            _deviceResults = Device(_results[0].LongLength * sizeof(float));

            float[] priorTable = [.. priors.CenterX, .. priors.CenterY, .. priors.Width, .. priors.Height];
            _devicePriors = Upload(priorTable);
            _taps = UploadTaps(frameWidth, frameHeight, descriptor.InputWidth, descriptor.InputHeight);
            bool locked = true;
            for (int slot = 0; slot < 2; slot++)
            {
                locked &= device.PageLock(DeviceBuffers.AddressOf(_staging[slot]), _staging[slot].LongLength);
                locked &= device.PageLock(DeviceBuffers.AddressOf(_results[slot]), _results[slot].LongLength * sizeof(float));
            }

            HostBuffersPageLocked = locked;

            BindModel(model.Descriptor, type, input, locs, logits);
            // Constructed means ready: the constant tables queued on the stream (Upload) have landed.
            CudaRuntime.Synchronize(_stream);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int BatchSize { get; }

    public int FrameWidth { get; }

    public int FrameHeight { get; }

    /// <summary>Detection slots per image (D).</summary>
    public int MaxDetections { get; }

    public Precision Precision { get; }

    /// <summary>
    /// Whether CUDA page-locked the pipeline's staging and result buffers (cudaHostRegister can refuse, e.g. under a
    /// low RLIMIT_MEMLOCK). Without, copies from and to them are synchronous and <see cref="RunPipelined"/> overlaps
    /// nothing; results stay correct.
    /// </summary>
    public bool HostBuffersPageLocked { get; }

    /// <summary>The decoding constants the kernels use (threshold, top-k, IoU rule, cap).</summary>
    public DecodeOptions Decode => _decode;

    /// <summary>
    /// Page-locks the memory of <paramref name="frames"/> where it lies (each packed frame's pixels, pinned for the
    /// life of this object) so <see cref="Run"/> uploads them by direct DMA: what a camera stack that hands out
    /// DMA-able buffers gives (V4L2 user pointers, a Jetson's NVMM surfaces need not even be copied). Returns how many
    /// frames the driver accepted; the others are still uploaded, staged through a driver buffer.
    /// </summary>
    public int PageLockFrames(IEnumerable<FrameBuffer> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        int locked = 0;
        foreach (FrameBuffer frame in frames)
        {
            MemoryHandle handle = frame.Pixels.Pin();
            unsafe
            {
                if (_session.Device.IsPageLocked((IntPtr)handle.Pointer))
                {
                    // The same buffer again (a short clip repeated in the ring): locked already.
                    handle.Dispose();
                    locked++;
                    continue;
                }

                if (_session.Device.PageLock((IntPtr)handle.Pointer, frame.Pixels.Length))
                {
                    _pins.Add(handle);
                    locked++;
                    continue;
                }
            }

            handle.Dispose();
        }

        return locked;
    }

    /// <summary>
    /// One camera-loop call on <paramref name="frames"/> (BGR24, exactly <see cref="BatchSize"/>, of the frame size):
    /// each frame uploaded straight from its memory (strided frames through the pipeline's own page-locked buffer),
    /// preprocess, model, postprocess, one download; returns when the results are on the host.
    /// </summary>
    public void Run(ReadOnlySpan<FrameBuffer> frames)
    {
        using Nvtx.Range frameRange = Nvtx.Push(StageRanges.Frame);
        CheckCall(frames);
        Drain(); // a pipelined call still in flight ends first (it uses the same device buffers)
        byte[] staging = _staging[0];
        int size = staging.Length / BatchSize;
        Nvtx.Range uploadRange = Nvtx.Push(StageRanges.Upload);
        for (int i = 0; i < frames.Length; i++)
        {
            FrameBuffer frame = frames[i];
            if (frame.Stride != FrameWidth * FrameBuffer.BytesPerPixel)
            {
                DetectionSlots.CopyFrames(frames.Slice(i, 1), staging.AsSpan(i * size, size), FrameWidth, FrameHeight);
                CudaRuntime.CopyToDeviceAsync(_deviceFrames[0] + (i * size), DeviceBuffers.AddressOf(staging) + (i * size), size, _stream);
                continue;
            }

            unsafe
            {
                // From page-locked memory the copy is queued (DMA); from pageable memory CUDA stages it and returns
                // once the bytes have left the frame, so the frame may be reused when this returns either way.
                // Staging pageable frames by hand instead (chunked copies into the page-locked buffer, each chunk's
                // DMA queued at once) is no faster than CUDA's own staging: the cost is the host copy itself, which
                // RunPipelined hides behind the previous call's GPU work instead.
                fixed (byte* pixels = frame.Pixels.Span)
                {
                    CudaRuntime.CopyToDeviceAsync(_deviceFrames[0] + (i * size), (IntPtr)pixels, size, _stream);
                }
            }
        }

        uploadRange.Dispose();
        QueueAfterUpload(slot: 0);
        CudaRuntime.Synchronize(_stream);
        _slots.CompletedSynchronously();
    }

    /// <summary>
    /// The camera loop double-buffered: copies <paramref name="frames"/> (as <see cref="Run"/> takes them) into a
    /// page-locked buffer while the GPU finishes the previous call, waits for that call, queues this one (upload,
    /// kernels, model, download) and returns without waiting for it. Afterwards <see cref="ReadDetections"/> reads the
    /// previous call's detections; returns false (and there are none) on the first call after construction,
    /// <see cref="Run"/> or <see cref="Drain"/>. The frames may be reused as soon as it returns.
    /// </summary>
    public bool RunPipelined(ReadOnlySpan<FrameBuffer> frames)
    {
        using Nvtx.Range frameRange = Nvtx.Push(StageRanges.Frame);
        CheckCall(frames);
        int slot = _slots.Next;
        byte[] staging = _staging[slot];
        // The host copy of this call's frames: overlaps the GPU work of the previous call, which used the other slot.
        DetectionSlots.CopyFrames(frames, staging, FrameWidth, FrameHeight);

        // The upload starts now, on the copy stream, while the compute stream may still run the previous call: this
        // slot's staging and device frame buffers were last used by the call before that one, which has completed
        // (the previous call waited for it). Should queueing fail here, the copy is waited for before the error goes
        // on: nothing of this call is then left running.
        using (Nvtx.Push(StageRanges.Upload))
        {
            try
            {
                CudaRuntime.CopyToDeviceAsync(_deviceFrames[slot], DeviceBuffers.AddressOf(staging), staging.LongLength, _copyStream);
                CudaRuntime.RecordEvent(_uploaded[slot], _copyStream);
            }
            catch
            {
                CudaRuntime.Synchronize(_copyStream);
                throw;
            }
        }

        if (_slots.InFlight)
        {
            CudaRuntime.Synchronize(_stream);
        }

        // In flight from the first queued byte: should queueing fail halfway, Drain, Run, Dispose and the next call still
        // wait for what was queued before they reuse its buffers (and the next call takes the other staging buffer).
        bool previous = _slots.StartPipelined();
        try
        {
            CudaRuntime.WaitEvent(_stream, _uploaded[slot]);
            QueueAfterUpload(slot);
        }
        catch
        {
            _slots.QueueFailed();
            throw;
        }

        return previous;
    }

    /// <summary>Waits for a <see cref="RunPipelined"/> call still in flight, whose detections <see cref="ReadDetections"/> then reads.</summary>
    public void Drain()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_slots.InFlight)
        {
            return;
        }

        CudaRuntime.Synchronize(_stream); // the call's upload ran before its preprocess, on the event it waited for
        _slots.Drained();
    }

    private void CheckCall(ReadOnlySpan<FrameBuffer> frames)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_deviceId != 0)
        {
            // The current device is per thread, and a benchmark may call from another thread than the constructor's.
            CudaRuntime.SetDevice(_deviceId);
        }

        DetectionSlots.CheckFrames(frames, BatchSize, FrameWidth, FrameHeight);
        foreach (FrameBuffer frame in frames)
        {
            frame.Validate(); // CUDA reads the bytes by address: a short buffer must fail here, not read past it
        }
    }

    /// <summary>Queues, behind the frames' upload into <paramref name="slot"/>'s device frames: preprocess, model, postprocess, the results' download into that slot.</summary>
    /// <remarks>The NVTX ranges here cover the host's queueing; a profiler projects each range onto the GPU work
    /// queued inside it, which is what shows the stages' device time.</remarks>
    private void QueueAfterUpload(int slot)
    {
        using (Nvtx.Push(StageRanges.Preprocess))
        {
            _kernels.Preprocess(_deviceFrames[slot], FrameWidth, FrameHeight, _taps, _inputWidth, _inputHeight,
                _scale, _offset, bgr: true, _half, _deviceInput, BatchSize, _stream);
        }

        using (Nvtx.Push(StageRanges.Inference))
        {
            _session.Run();
        }

        Nvtx.Range postprocessRange = Nvtx.Push(StageRanges.Postprocess);
        _kernels.Scores(_deviceLocs, _deviceLogits, _devicePriors, _boxCount, _decode.SsdScoreThreshold,
            _decode.SsdScaleXy, _decode.SsdScaleWh, _deviceProbs, _deviceBoxes, _half, BatchSize, _stream);
        _kernels.ClassNms(_deviceProbs, _deviceBoxes, _boxCount, _classCount - 1, _decode.SsdPerClassTopK, _decode.SsdIouThreshold,
            _decode.SsdOverlapRule == NmsOverlapRule.SuppressAtOrAbove, _workspace, BatchSize, _stream);
        _kernels.Merge(_workspace.KeptKeys, _workspace.KeptCounts, _deviceBoxes, _boxCount, _classCount - 1, _decode.SsdPerClassTopK,
            MaxDetections, _deviceResults, BatchSize, _stream);
        postprocessRange.Dispose();
        using Nvtx.Range downloadRange = Nvtx.Push(StageRanges.Download);
        float[] results = _results[slot];
        CudaRuntime.CopyToHostAsync(DeviceBuffers.AddressOf(results), _deviceResults, results.LongLength * sizeof(float), _stream);
    }

    /// <summary>
    /// The model alone on the bound device buffers, waiting for the device: the detector-only time the end-to-end
    /// loop is compared with (same session, same buffers, nothing uploaded or downloaded).
    /// </summary>
    public void RunModelOnly()
    {
        Drain();
        _session.Run();
        CudaRuntime.Synchronize(_stream);
    }

    /// <summary>
    /// The filled slots of the last completed call as detections (cleared first; after <see cref="RunPipelined"/>, the
    /// previous call's); returns their count, 0 when no call has completed.
    /// </summary>
    public int ReadDetections(List<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        if (_slots.Readable < 0)
        {
            detections.Clear();
            return 0;
        }

        return DetectionSlots.Read(_results[_slots.Readable], BatchSize, MaxDetections, detections);
    }

    /// <summary>Copies the model input the preprocess kernel wrote in the last run ([N,3,h,w], fp32 or fp16 bits) to <paramref name="destination"/>.</summary>
    public void DownloadModelInput(Span<byte> destination) => Download(destination, _deviceInput, _inputElements * (_half ? 2 : 4));

    /// <summary>Copies the model's raw outputs of the last run (locs [N,4,B], logits [N,C,B]; fp32 or fp16 bits) to host spans.</summary>
    public void DownloadModelOutputs(Span<byte> locs, Span<byte> logits)
    {
        int elementBytes = _half ? 2 : 4;
        Download(locs, _deviceLocs, _locsElements * elementBytes);
        Download(logits, _deviceLogits, _logitsElements * elementBytes);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_stream != IntPtr.Zero)
        {
            // Queued work (a pipelined call, or a call that failed after queueing) may still use the buffers freed
            // below. A failing wait means the CUDA context is broken; free what can be freed all the same.
            try
            {
                CudaRuntime.Synchronize(_stream);
            }
            catch (InvalidOperationException)
            {
            }

            _slots.Drained();
        }

        // The reverse of construction: the session (it unlocks the host ranges) before the pins those ranges are in,
        // the kernels, then the stream the session ran on.
        _session?.Dispose();
        foreach (MemoryHandle pin in _pins)
        {
            pin.Dispose();
        }

        _pins.Clear();
        _kernels?.Dispose();
        DestroyStreamsAndEvents();
    }

    private void DestroyStreamsAndEvents()
    {
        for (int slot = 0; slot < _uploaded.Length; slot++)
        {
            if (_uploaded[slot] != IntPtr.Zero)
            {
                CudaRuntime.DestroyEvent(_uploaded[slot]);
                _uploaded[slot] = IntPtr.Zero;
            }
        }

        if (_copyStream != IntPtr.Zero)
        {
            CudaRuntime.DestroyStream(_copyStream);
        }

        if (_stream != IntPtr.Zero)
        {
            CudaRuntime.DestroyStream(_stream);
        }
    }

    /// <summary>
    /// Binds the model's input and its two outputs by the descriptor's names (SSD: locs, then scores, the order the C#
    /// postprocess reads them in), each checked against the file for the element type the kernels were set up for.
    /// </summary>
    private void BindModel(ModelDescriptor descriptor, TensorElementType type, OrtValue input, OrtValue locs, OrtValue logits)
    {
        if (descriptor.Outputs.Count != 2 || descriptor.Outputs[1].Shape[1] != _classCount)
        {
            throw new ArgumentException($"{descriptor.Id}: expected outputs locs [N,4,B] and scores [N,{_classCount},B] (the decode options' class count).", nameof(descriptor));
        }

        _session.Bind(descriptor.Input.Name, input, isInput: true, type);
        _session.Bind(descriptor.Outputs[0].Name, locs, isInput: false, type);
        _session.Bind(descriptor.Outputs[1].Name, logits, isInput: false, type);
    }

    /// <summary>Raw device memory (kernel workspace), owned by the session's device buffers.</summary>
    private IntPtr Device(long bytes) => _session.Device.Allocate(TensorElementType.UInt8, [bytes]).Address;

    /// <summary>
    /// A constant table on the device, queued on the pipeline's stream: a blocking cudaMemcpy from pageable memory may
    /// return before its DMA lands, and it is not ordered with this non-blocking stream, so the kernels could read the
    /// table early. On the stream the kernels are ordered after it; the constructor also waits for it once.
    /// </summary>
    private unsafe IntPtr Upload<T>(T[] values)
        where T : unmanaged
    {
        IntPtr block = Device((long)values.Length * sizeof(T));
        fixed (T* source = values)
        {
            // From pageable memory the call returns once the bytes are staged, so the array may move afterwards.
            CudaRuntime.CopyToDeviceAsync(block, (IntPtr)source, (long)values.Length * sizeof(T), _stream);
        }

        return block;
    }

    /// <summary>The bilinear taps of PreprocessReference (<see cref="ResizeTaps"/>), on the device.</summary>
    private ResizeTapBuffers UploadTaps(int frameWidth, int frameHeight, int inputWidth, int inputHeight)
    {
        (int[] x0, int[] x1, float[] wx, int[] y0, int[] y1, float[] wy) = ResizeTaps.Compute(frameWidth, frameHeight, inputWidth, inputHeight);
        return new ResizeTapBuffers(Upload(x0), Upload(x1), Upload(wx), Upload(y0), Upload(y1), Upload(wy));
    }

    private void Download(Span<byte> destination, IntPtr device, long bytes)
    {
        Drain();
        if (destination.Length != bytes)
        {
            throw new ArgumentException($"Expected a span of {bytes.ToString(CultureInfo.InvariantCulture)} bytes, got {destination.Length}.", nameof(destination));
        }

        unsafe
        {
            fixed (byte* target = destination)
            {
                CudaRuntime.CopyToHostAsync((IntPtr)target, device, bytes, _stream);
                CudaRuntime.Synchronize(_stream);
            }
        }
    }

}
