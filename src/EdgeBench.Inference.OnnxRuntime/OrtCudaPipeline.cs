using System.Buffers;
using System.Globalization;
using EdgeBench.Core;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Core.Profiling;
using EdgeBench.Models.Zoo;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// What every GPU-resident camera loop shares (<see cref="OrtCudaSsdPipeline"/>, <see cref="OrtCudaYoloPipeline"/>,
/// <see cref="OrtCudaClassifierPipeline"/>): the frames' upload, EdgeBench's preprocess kernel, the unchanged model in
/// ONNX Runtime's CUDA provider (optionally replayed as a CUDA graph), then the family's own postprocess and one
/// download (<see cref="QueueOutputs"/>), all on one stream with one wait per call; <see cref="RunPipelined"/>
/// double-buffers the loop.
/// </summary>
/// <remarks>
/// <para>ONNX Runtime runs on the stream this class creates (CUDA provider option <c>user_compute_stream</c>), and
/// the run option <c>disable_synchronize_execution_providers</c> keeps it from waiting at the end of its run, so a
/// call queues upload, preprocess, model, postprocess and download back to back and waits once (<see cref="Run"/> at
/// the end, <see cref="RunPipelined"/> for the previous call, after queueing its own).</para>
/// <para>Device-bound only: frames are uploaded by this class from wherever they lie (pageable memory, which CUDA
/// stages through its own buffer, unless <see cref="PageLockFrames"/> page-locked them; strided frames go through this
/// class's page-locked buffer); there is no host-copy variant (ONNX Runtime would own the copies and the kernels could
/// not run between them).</para>
/// <para><see cref="RunPipelined"/> is the camera loop double-buffered: a call copies its frames into one of two
/// page-locked buffers while the GPU still works on the previous call, queues its own behind it, then waits for the
/// previous call and returns; the family's read method then reads the previous call's results, and the GPU never waits
/// for the host between calls. The host copy of pageable frames (~0.1 ms
/// per VGA frame on the H200's host, as costly by hand as through CUDA's own staging) overlaps GPU work instead of
/// adding to it; the frame rate is what is measured, each frame's latency grows by one call. The upload of those staged
/// frames runs on a second stream into the slot's own device frame buffer, so the copy engine moves call N's frames
/// while the compute stream still runs call N-1; the compute stream waits for that upload (an event) only where its
/// preprocess starts.</para>
/// <para>The preprocess kernel's arithmetic is PreprocessReference's (same tap tables, same operation order, no fused
/// multiply-adds), so <see cref="DownloadModelInput"/> lets a caller check the model input bit for bit.</para>
/// </remarks>
public abstract class OrtCudaPipeline : IDisposable
{
    private readonly List<MemoryHandle> _pins = [];
    // RunPipelined's upload stream, and per slot the event its upload completes (the compute stream waits on it) and
    // the event its whole call completes (the host waits on it, one call later).
    private readonly IntPtr _copyStream;
    private readonly IntPtr[] _uploaded = [IntPtr.Zero, IntPtr.Zero];
    private readonly IntPtr[] _completed = [IntPtr.Zero, IntPtr.Zero];
    // Two page-locked frame staging buffers (RunPipelined's slots; Run stages strided frames in slot 0) and two device
    // frame buffers (call N uploads into one while call N-1 reads the other).
    private readonly byte[][] _staging = new byte[2][];
    private readonly IntPtr[] _deviceFrames = new IntPtr[2];
    private readonly PipelineSlots _slots = new();
    private readonly IntPtr _deviceInput;
    private readonly ResizeTapBuffers _taps;
    private readonly float[] _scale = new float[3];
    private readonly float[] _offset = new float[3];
    private readonly int _inputWidth;
    private readonly int _inputHeight;
    private readonly long _inputElements;
    private readonly int _deviceId;
    private bool _hostBuffersLocked = true;
    private bool _disposed;

    /// <summary>
    /// Streams, kernels, the session (on the compute stream, its input bound to the preprocess kernel's output) and the
    /// frame buffers for batches of <paramref name="batchSize"/> BGR24 frames of <paramref name="frameWidth"/> x
    /// <paramref name="frameHeight"/>. The derived class binds the outputs, allocates its postprocess buffers and ends
    /// its constructor with <see cref="CompleteConstruction"/> (calling <see cref="Dispose()"/> should it fail).
    /// <paramref name="kernelClasses"/>: the score channels <see cref="CudaPipelineKernels"/> is compiled for (SSD's;
    /// any valid count for a family that does not launch the SSD decode). Raises
    /// <see cref="ProviderUnavailableException"/> when CUDA, NVRTC or the provider is missing here.
    /// </summary>
    private protected OrtCudaPipeline(ResolvedModel model, int batchSize, int frameWidth, int frameHeight, OrtBackendOptions options, int kernelClasses)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);
        if (options.Provider != OrtExecutionProvider.Cuda)
        {
            // The session must run on this class's stream; only the CUDA provider is given it (OrtBackendOptions.CudaStream).
            throw new ArgumentException($"The GPU camera loop runs the model with the CUDA provider; got {options.Provider}.", nameof(options));
        }

        ModelDescriptor descriptor = model.Descriptor;
        if (descriptor.Layout != TensorLayout.Nchw || descriptor.Preprocessing != InputPreprocessing.Default)
        {
            throw new NotSupportedException($"Model '{descriptor.Id}': the CUDA preprocess kernel writes NCHW RGB by stretching; its input is {descriptor.Layout} {descriptor.Preprocessing}.");
        }

        if (CudaPipelineKernels.Unavailable() is { } reason)
        {
            throw new ProviderUnavailableException(reason);
        }

        BatchSize = batchSize;
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        Precision = model.Precision;
        Half = model.Precision == Core.Precision.Fp16;
        ElementType = Half ? TensorElementType.Float16 : TensorElementType.Float;
        _deviceId = options.DeviceId;
        _inputWidth = descriptor.InputWidth;
        _inputHeight = descriptor.InputHeight;
        _inputElements = (long)batchSize * 3 * _inputHeight * _inputWidth;
        for (int c = 0; c < 3; c++)
        {
            (_scale[c], _offset[c]) = descriptor.Normalization.Affine(c);
        }

        for (int slot = 0; slot < 2; slot++)
        {
            _staging[slot] = GC.AllocateArray<byte>(checked(batchSize * frameHeight * frameWidth * 3), pinned: true);
        }

        // Streams, events and kernels first: the session is told to run on the compute stream.
        CudaRuntime.SetDevice(options.DeviceId);
        Stream = CudaRuntime.CreateStream();
        try
        {
            _copyStream = CudaRuntime.CreateStream();
            for (int slot = 0; slot < 2; slot++)
            {
                _uploaded[slot] = CudaRuntime.CreateEvent();
                _completed[slot] = CudaRuntime.CreateEvent();
            }

            Kernels = new CudaPipelineKernels(options.DeviceId, kernelClasses);
        }
        catch
        {
            DestroyStreamsAndEvents();
            throw;
        }

        try
        {
            // The stream is ours and every call ends with our wait: ONNX Runtime need not wait for its own work.
            Session = new BoundSession(model, options with { CudaStream = Stream }, deviceBound: true,
                run => run.AddRunConfigEntry("disable_synchronize_execution_providers", "1"));
            _deviceFrames[0] = Device(_staging[0].LongLength);
            _deviceFrames[1] = Device(_staging[1].LongLength);
            (OrtValue input, _deviceInput) = Session.Device.Allocate(ElementType, [batchSize, 3, _inputHeight, _inputWidth]);
            (int[] x0, int[] x1, float[] wx, int[] y0, int[] y1, float[] wy) = ResizeTaps.Compute(frameWidth, frameHeight, _inputWidth, _inputHeight);
            _taps = new ResizeTapBuffers(Upload(x0), Upload(x1), Upload(wx), Upload(y0), Upload(y1), Upload(wy));
            PageLock(_staging[0]);
            PageLock(_staging[1]);
            Session.Bind(descriptor.Input.Name, input, isInput: true, ElementType);
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

    public Precision Precision { get; }

    /// <summary>
    /// Whether CUDA page-locked the pipeline's staging and result buffers (cudaHostRegister can refuse, e.g. under a
    /// low RLIMIT_MEMLOCK). Without, copies from and to them are synchronous and <see cref="RunPipelined"/> overlaps
    /// nothing; results stay correct.
    /// </summary>
    public bool HostBuffersPageLocked => _hostBuffersLocked;

    /// <summary>The session, with its device memory (ONNX Runtime's CUDA allocator) and the page-locked host ranges.</summary>
    private protected BoundSession Session { get; }

    private protected CudaPipelineKernels Kernels { get; }

    /// <summary>The compute stream: preprocess, model, postprocess and downloads are queued on it.</summary>
    private protected IntPtr Stream { get; }

    /// <summary>fp16 model I/O (the kernels read and write fp16 bits).</summary>
    private protected bool Half { get; }

    private protected TensorElementType ElementType { get; }

    /// <summary>The slot whose results are complete and readable (-1: none; see <see cref="PipelineSlots"/>).</summary>
    private protected int ReadableSlot => _slots.Readable;

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
                if (Session.Device.IsPageLocked((IntPtr)handle.Pointer))
                {
                    // The same buffer again (a short clip repeated in the ring): locked already.
                    handle.Dispose();
                    locked++;
                    continue;
                }

                if (Session.Device.PageLock((IntPtr)handle.Pointer, frame.Pixels.Length))
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
        using (Nvtx.Push(StageRanges.Upload))
        {
            UploadEach(frames, slot: 0, Stream);
        }

        QueueAfterUpload(slot: 0);
        WaitForQueuedWork();
        _slots.CompletedSynchronously();
    }

    /// <summary>
    /// The camera loop double-buffered: copies <paramref name="frames"/> (as <see cref="Run"/> takes them) into a
    /// page-locked buffer while the GPU finishes the previous call, uploads them on the copy stream, queues this call
    /// behind the previous one, then waits for the previous one and returns without waiting for this one. Frames
    /// <see cref="PageLockFrames"/> locked are uploaded straight from where they lie instead (no host copy), and waited
    /// for before it returns. Afterwards the family's read method reads the previous call's results; returns false (and
    /// there are none) on the first call after construction, <see cref="Run"/> or <see cref="Drain"/>. The frames may be
    /// reused as soon as it returns.
    /// </summary>
    public bool RunPipelined(ReadOnlySpan<FrameBuffer> frames)
    {
        using Nvtx.Range frameRange = Nvtx.Push(StageRanges.Frame);
        CheckCall(frames);
        int slot = _slots.Next;
        bool direct = AllPageLocked(frames);
        if (!direct)
        {
            // The host copy of this call's frames: overlaps the GPU work of the previous call, which used the other slot.
            DetectionSlots.CopyFrames(frames, _staging[slot], FrameWidth, FrameHeight);
        }

        // The upload starts now, on the copy stream, while the compute stream may still run the previous call: this
        // slot's staging and device frame buffers were last used by the call before that one, which has completed
        // (the previous call waited for it). Should queueing fail here, the copy is waited for before the error goes
        // on: nothing of this call is then left running.
        using (Nvtx.Push(StageRanges.Upload))
        {
            try
            {
                QueueUpload(frames, slot, direct);
                CudaRuntime.RecordEvent(_uploaded[slot], _copyStream);
            }
            catch
            {
                CudaRuntime.Synchronize(_copyStream);
                throw;
            }
        }

        // Queued before the previous call is waited for, so the GPU goes from that call straight into this one instead
        // of idling while the host queues it (launches, the CUDA graph's replay: tens of microseconds, a tenth of a
        // small model's frame). This slot's buffers were last used by the call before the previous one, whose
        // completion the previous call waited for; the buffers the two calls share (model input and outputs) are used
        // in stream order. In flight from the first queued byte: should queueing fail halfway, Drain, Run, Dispose and
        // the next call still wait for what was queued before they reuse its buffers.
        bool previous = _slots.StartPipelined();
        try
        {
            CudaRuntime.WaitEvent(Stream, _uploaded[slot]);
            QueueAfterUpload(slot);
            CudaRuntime.RecordEvent(_completed[slot], CompletionStream);
        }
        catch
        {
            // The previous call was not waited for yet, and the next call stages into its slot: wait for everything
            // queued (a failing wait means a broken context; the error below is the one to report).
            _slots.QueueFailed();
            try
            {
                WaitForQueuedWork();
            }
            catch (InvalidOperationException)
            {
            }

            throw;
        }

        if (previous)
        {
            CudaRuntime.SynchronizeEvent(_completed[1 - slot]); // its results are readable once this returns
        }

        if (direct)
        {
            // Uploaded by DMA from the caller's frames: they may be reused only once the copy has read them. The copy ran
            // beside the previous call's GPU work, so this wait is short or nothing.
            CudaRuntime.Synchronize(_copyStream);
        }

        return previous;
    }

    /// <summary>Waits for a <see cref="RunPipelined"/> call still in flight, whose results then become readable.</summary>
    public void Drain()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_slots.InFlight)
        {
            return;
        }

        WaitForQueuedWork(); // the call's upload ran before its preprocess, on the event it waited for
        _slots.Drained();
    }

    /// <summary>
    /// The model alone on the bound device buffers, waiting for the device: the detector-only time the end-to-end
    /// loop is compared with (same session, same buffers, nothing uploaded or downloaded).
    /// </summary>
    public void RunModelOnly()
    {
        Drain();
        Session.Run();
        CudaRuntime.Synchronize(Stream);
    }

    /// <summary>Copies the model input the preprocess kernel wrote in the last run ([N,3,h,w], fp32 or fp16 bits) to <paramref name="destination"/>.</summary>
    public void DownloadModelInput(Span<byte> destination) => Download(destination, _deviceInput, _inputElements * (Half ? 2 : 4));

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Waits for queued work, then frees in the reverse of construction: the session (it owns the device buffers and
    /// unlocks the host ranges) before the pins those ranges are in, the kernels, then the streams the session ran on.
    /// A derived class's buffers are the session's device memory and pinned arrays: nothing of its own to free.
    /// </summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        if (Stream != IntPtr.Zero)
        {
            // Queued work (a pipelined call, or a call that failed after queueing) may still use the buffers freed
            // below. A failing wait means the CUDA context is broken; free what can be freed all the same.
            try
            {
                WaitForQueuedWork();
            }
            catch (InvalidOperationException)
            {
            }

            _slots.Drained();
        }

        Session?.Dispose();
        foreach (MemoryHandle pin in _pins)
        {
            pin.Dispose();
        }

        _pins.Clear();
        Kernels?.Dispose();
        DestroyStreamsAndEvents();
    }

    /// <summary>
    /// The stream a call's last work (its results' download) is queued on: the compute stream, unless the family runs
    /// its postprocess on a stream of its own.
    /// </summary>
    private protected virtual IntPtr CompletionStream => Stream;

    /// <summary>
    /// Queues the family's postprocess behind the model (which wrote into the bound outputs) and the download of its
    /// results into <paramref name="slot"/>'s host buffer, on <see cref="Stream"/>; nothing may wait here.
    /// </summary>
    private protected abstract void QueueOutputs(int slot);

    /// <summary>
    /// The end of a derived constructor: waits until the constant tables queued on the stream (<see cref="Upload"/>)
    /// have landed, so that constructed means ready.
    /// </summary>
    private protected void CompleteConstruction() => CudaRuntime.Synchronize(Stream);

    /// <summary>Page-locks a pinned host array (a result buffer the kernels' download lands in); <see cref="HostBuffersPageLocked"/> says whether all were.</summary>
    private protected unsafe void PageLock<T>(T[] pinnedArray)
        where T : unmanaged
        => _hostBuffersLocked &= Session.Device.PageLock(DeviceBuffers.AddressOf(pinnedArray), (long)pinnedArray.Length * sizeof(T));

    /// <summary>Raw device memory (kernel workspace), owned by the session's device buffers.</summary>
    private protected IntPtr Device(long bytes) => Session.Device.Allocate(TensorElementType.UInt8, [bytes]).Address;

    /// <summary>
    /// A constant table on the device, queued on the compute stream: a blocking cudaMemcpy from pageable memory may
    /// return before its DMA lands, and it is not ordered with this non-blocking stream, so the kernels could read the
    /// table early. On the stream the kernels are ordered after it; <see cref="CompleteConstruction"/> waits for it once.
    /// </summary>
    private protected unsafe IntPtr Upload<T>(T[] values)
        where T : unmanaged
    {
        IntPtr block = Device((long)values.Length * sizeof(T));
        fixed (T* source = values)
        {
            // From pageable memory the call returns once the bytes are staged, so the array may move afterwards.
            CudaRuntime.CopyToDeviceAsync(block, (IntPtr)source, (long)values.Length * sizeof(T), Stream);
        }

        return block;
    }

    /// <summary>Copies <paramref name="bytes"/> of device memory to <paramref name="destination"/> once queued work has ended.</summary>
    private protected void Download(Span<byte> destination, IntPtr device, long bytes)
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
                CudaRuntime.CopyToHostAsync((IntPtr)target, device, bytes, Stream);
                CudaRuntime.Synchronize(Stream);
            }
        }
    }

    /// <summary>Waits until everything queued on the compute stream and the completion stream has finished.</summary>
    private void WaitForQueuedWork()
    {
        CudaRuntime.Synchronize(Stream);
        if (CompletionStream != Stream)
        {
            CudaRuntime.Synchronize(CompletionStream);
        }
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

    /// <summary>
    /// Whether every frame is packed and page-locked where it lies (<see cref="PageLockFrames"/>): the frames a camera
    /// stack with DMA-able buffers delivers, which <see cref="RunPipelined"/> uploads straight from, with no host copy.
    /// </summary>
    private unsafe bool AllPageLocked(ReadOnlySpan<FrameBuffer> frames)
    {
        if (_pins.Count == 0)
        {
            return false;
        }

        foreach (FrameBuffer frame in frames)
        {
            fixed (byte* pixels = frame.Pixels.Span)
            {
                if (frame.Stride != FrameWidth * FrameBuffer.BytesPerPixel || !Session.Device.IsPageLocked((IntPtr)pixels))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Queues the upload of a pipelined call's frames into <paramref name="slot"/>'s device frames on the copy stream:
    /// from the staging buffer they were copied into, or (<paramref name="direct"/>) one DMA per frame from where each lies.
    /// </summary>
    private void QueueUpload(ReadOnlySpan<FrameBuffer> frames, int slot, bool direct)
    {
        if (direct)
        {
            UploadEach(frames, slot, _copyStream);
            return;
        }

        byte[] staging = _staging[slot];
        CudaRuntime.CopyToDeviceAsync(_deviceFrames[slot], DeviceBuffers.AddressOf(staging), staging.LongLength, _copyStream);
    }

    /// <summary>
    /// Queues one upload per frame into <paramref name="slot"/>'s device frames on <paramref name="stream"/>, each
    /// straight from the frame's memory; a strided frame is first packed into the slot's page-locked staging buffer.
    /// </summary>
    private unsafe void UploadEach(ReadOnlySpan<FrameBuffer> frames, int slot, IntPtr stream)
    {
        byte[] staging = _staging[slot];
        int size = staging.Length / BatchSize;
        for (int i = 0; i < frames.Length; i++)
        {
            FrameBuffer frame = frames[i];
            if (frame.Stride != FrameWidth * FrameBuffer.BytesPerPixel)
            {
                DetectionSlots.CopyFrames(frames.Slice(i, 1), staging.AsSpan(i * size, size), FrameWidth, FrameHeight);
                CudaRuntime.CopyToDeviceAsync(_deviceFrames[slot] + (i * size), DeviceBuffers.AddressOf(staging) + (i * size), size, stream);
                continue;
            }

            // From page-locked memory the copy is queued (DMA); from pageable memory CUDA stages it and returns once the
            // bytes have left the frame, so the frame may be reused when this returns either way. Staging pageable
            // frames by hand instead (chunked copies into the page-locked buffer, each chunk's DMA queued at once) is no
            // faster than CUDA's own staging: the cost is the host copy itself, which RunPipelined hides behind the
            // previous call's GPU work instead.
            fixed (byte* pixels = frame.Pixels.Span)
            {
                CudaRuntime.CopyToDeviceAsync(_deviceFrames[slot] + (i * size), (IntPtr)pixels, size, stream);
            }
        }
    }

    /// <summary>Queues, behind the frames' upload into <paramref name="slot"/>'s device frames: preprocess, model, then the family's postprocess and download.</summary>
    /// <remarks>The NVTX ranges here cover the host's queueing; a profiler projects each range onto the GPU work
    /// queued inside it, which is what shows the stages' device time.</remarks>
    private void QueueAfterUpload(int slot)
    {
        using (Nvtx.Push(StageRanges.Preprocess))
        {
            Kernels.Preprocess(_deviceFrames[slot], FrameWidth, FrameHeight, _taps, _inputWidth, _inputHeight,
                _scale, _offset, bgr: true, Half, _deviceInput, BatchSize, Stream);
        }

        using (Nvtx.Push(StageRanges.Inference))
        {
            Session.Run();
        }

        QueueOutputs(slot);
    }

    private void DestroyStreamsAndEvents()
    {
        foreach (IntPtr[] events in (IntPtr[][])[_uploaded, _completed])
        {
            for (int slot = 0; slot < events.Length; slot++)
            {
                if (events[slot] != IntPtr.Zero)
                {
                    CudaRuntime.DestroyEvent(events[slot]);
                    events[slot] = IntPtr.Zero;
                }
            }
        }

        if (_copyStream != IntPtr.Zero)
        {
            CudaRuntime.DestroyStream(_copyStream);
        }

        if (Stream != IntPtr.Zero)
        {
            CudaRuntime.DestroyStream(Stream);
        }
    }
}
