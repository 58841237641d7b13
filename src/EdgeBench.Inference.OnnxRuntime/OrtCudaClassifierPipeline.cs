using System.Globalization;
using EdgeBench.Core;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Core.Profiling;
using EdgeBench.Models.Zoo;
using EdgeBench.Postprocessing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// A classifier's camera loop resident on the GPU, as <see cref="OrtCudaSsdPipeline"/> is SSD300's: frames upload,
/// EdgeBench's preprocess kernel, the unchanged model in ONNX Runtime's CUDA provider (optionally replayed as a CUDA
/// graph), one download of the logits, all on one stream with one wait per call; <see cref="RunPipelined"/>
/// double-buffers it (the host copy of call N's frames and their upload on a copy stream overlap call N-1's GPU work).
/// </summary>
/// <remarks>
/// <para>The postprocess (softmax + top-k over the logits, <see cref="ClassificationPostprocessor"/>) stays on the host,
/// on purpose: it reads 4 KB per image (1000 logits) that the download brings anyway, and costs microseconds, less than
/// launching and waiting for a kernel would; putting it on the GPU would only move the same download behind a launch.
/// What made the host path slow is elsewhere: the C# resize of a VGA frame and the copies of the model input and of
/// the logits through ONNX Runtime.</para>
/// <para>The preprocess kernel lives in <see cref="CudaSsdKernels"/>' library (compiled once per GPU kind with SSD300's
/// class count; only the preprocess kernels are used here). Its arithmetic is PreprocessReference's, so the model input
/// is checked bit for bit (<see cref="DownloadModelInput"/>) and the top-k against the C# postprocess on the same logits
/// (<see cref="DownloadLogits"/>).</para>
/// </remarks>
public sealed class OrtCudaClassifierPipeline : IDisposable
{
    // SSD300's score channels: any valid count compiles the library; only its preprocess kernels are launched here.
    private const int KernelLibraryClasses = 81;

    private readonly BoundSession _session;
    private readonly CudaSsdKernels _kernels;
    private readonly IntPtr _stream;
    private readonly IntPtr _copyStream;
    private readonly IntPtr[] _uploaded = [IntPtr.Zero, IntPtr.Zero];
    private readonly ClassificationPostprocessor _postprocessor;
    private readonly bool _half;
    private readonly int _classes;
    private readonly int _inputWidth;
    private readonly int _inputHeight;
    private readonly float[] _scale = new float[3];
    private readonly float[] _offset = new float[3];

    // Two page-locked frame staging buffers and two logits buffers (RunPipelined's slots); Run uses slot 0.
    private readonly byte[][] _staging = new byte[2][];
    private readonly byte[][] _logits = new byte[2][];
    private readonly PipelineSlots _slots = new();
    private readonly IntPtr[] _deviceFrames = new IntPtr[2];
    private readonly IntPtr _deviceInput;
    private readonly IntPtr _deviceLogits;
    private readonly ResizeTapBuffers _taps;
    private readonly long _inputElements;
    private readonly int _deviceId;
    private bool _disposed;

    /// <summary>
    /// Creates the session, stream and buffers for batches of <paramref name="batchSize"/> BGR24 frames of
    /// <paramref name="frameWidth"/> x <paramref name="frameHeight"/>. <paramref name="model"/> is a classifier with
    /// one [N, classes] output, NCHW input and stretch preprocessing (the preprocess kernel's). Raises
    /// <see cref="ProviderUnavailableException"/> when CUDA, NVRTC or the provider is missing here.
    /// </summary>
    public OrtCudaClassifierPipeline(ResolvedModel model, int batchSize, int frameWidth, int frameHeight, OrtBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);
        if (options.Provider != OrtExecutionProvider.Cuda)
        {
            throw new ArgumentException($"The GPU classifier loop runs the model with the CUDA provider; got {options.Provider}.", nameof(options));
        }

        ModelDescriptor descriptor = model.Descriptor;
        if (descriptor.Postprocess != PostprocessKind.Classification || descriptor.Outputs.Count != 1 || descriptor.Outputs[0].Shape.Count != 2)
        {
            throw new ArgumentException($"{descriptor.Id} is not a classifier with one [N, classes] output.", nameof(model));
        }

        if (descriptor.Layout != TensorLayout.Nchw || descriptor.Preprocessing != InputPreprocessing.Default)
        {
            throw new NotSupportedException($"Model '{descriptor.Id}': the CUDA preprocess kernel writes NCHW RGB by stretching; its input is {descriptor.Layout} {descriptor.Preprocessing}.");
        }

        if (CudaSsdKernels.Unavailable() is { } reason)
        {
            throw new ProviderUnavailableException(reason);
        }

        BatchSize = batchSize;
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        Precision = model.Precision;
        _deviceId = options.DeviceId;
        _half = model.Precision == Core.Precision.Fp16;
        _classes = (int)descriptor.Outputs[0].Shape[1];
        _postprocessor = new ClassificationPostprocessor();
        _inputWidth = descriptor.InputWidth;
        _inputHeight = descriptor.InputHeight;
        for (int c = 0; c < 3; c++)
        {
            (_scale[c], _offset[c]) = descriptor.Normalization.Affine(c);
        }

        int elementBytes = _half ? 2 : 4;
        for (int slot = 0; slot < 2; slot++)
        {
            _staging[slot] = GC.AllocateArray<byte>(checked(batchSize * frameHeight * frameWidth * 3), pinned: true);
            _logits[slot] = GC.AllocateArray<byte>(checked(batchSize * _classes * elementBytes), pinned: true);
        }

        _inputElements = (long)batchSize * 3 * _inputHeight * _inputWidth;

        // Streams, events and kernels first: the session is told to run on the compute stream.
        CudaRuntime.SetDevice(options.DeviceId);
        _stream = CudaRuntime.CreateStream();
        try
        {
            _copyStream = CudaRuntime.CreateStream();
            _uploaded[0] = CudaRuntime.CreateEvent();
            _uploaded[1] = CudaRuntime.CreateEvent();
            _kernels = new CudaSsdKernels(options.DeviceId, KernelLibraryClasses);
        }
        catch
        {
            DestroyStreamsAndEvents();
            throw;
        }

        try
        {
            _session = new BoundSession(model, options with { CudaStream = _stream }, deviceBound: true,
                run => run.AddRunConfigEntry("disable_synchronize_execution_providers", "1"));
            DeviceBuffers device = _session.Device;
            TensorElementType type = _half ? TensorElementType.Float16 : TensorElementType.Float;
            _deviceFrames[0] = Device(_staging[0].LongLength);
            _deviceFrames[1] = Device(_staging[1].LongLength);
            (OrtValue input, _deviceInput) = device.Allocate(type, [batchSize, 3, _inputHeight, _inputWidth]);
            (OrtValue logits, _deviceLogits) = device.Allocate(type, [batchSize, _classes]);
            (int[] x0, int[] x1, float[] wx, int[] y0, int[] y1, float[] wy) = ResizeTaps.Compute(frameWidth, frameHeight, _inputWidth, _inputHeight);
            _taps = new ResizeTapBuffers(Upload(x0), Upload(x1), Upload(wx), Upload(y0), Upload(y1), Upload(wy));
            bool locked = true;
            for (int slot = 0; slot < 2; slot++)
            {
                locked &= device.PageLock(DeviceBuffers.AddressOf(_staging[slot]), _staging[slot].LongLength);
                locked &= device.PageLock(DeviceBuffers.AddressOf(_logits[slot]), _logits[slot].LongLength);
            }

            HostBuffersPageLocked = locked;
            _session.Bind(descriptor.Input.Name, input, isInput: true, type);
            _session.Bind(descriptor.Outputs[0].Name, logits, isInput: false, type);
            // Constructed means ready: the tap tables queued on the stream (Upload) have landed.
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

    public Precision Precision { get; }

    /// <summary>Whether CUDA page-locked the staging and logits buffers (without it the copies are synchronous).</summary>
    public bool HostBuffersPageLocked { get; }

    /// <summary>Entries per image that <see cref="ReadTopK"/> returns.</summary>
    public int TopK => _postprocessor.TopK;

    /// <summary>
    /// One camera-loop call on <paramref name="frames"/> (BGR24, exactly <see cref="BatchSize"/>): staged into the
    /// page-locked buffer, uploaded, preprocessed, run, the logits downloaded; returns when they are on the host.
    /// </summary>
    public void Run(ReadOnlySpan<FrameBuffer> frames)
    {
        using Nvtx.Range frameRange = Nvtx.Push(StageRanges.Frame);
        CheckCall(frames);
        Drain(); // a pipelined call still in flight ends first (it uses the same device buffers)
        DetectionSlots.CopyFrames(frames, _staging[0], FrameWidth, FrameHeight);
        using (Nvtx.Push(StageRanges.Upload))
        {
            CudaRuntime.CopyToDeviceAsync(_deviceFrames[0], DeviceBuffers.AddressOf(_staging[0]), _staging[0].LongLength, _stream);
        }

        QueueAfterUpload(slot: 0);
        CudaRuntime.Synchronize(_stream);
        _slots.CompletedSynchronously();
    }

    /// <summary>
    /// The loop double-buffered, as <see cref="OrtCudaSsdPipeline.RunPipelined"/>: stages this call's frames while the
    /// GPU finishes the previous call, uploads them on the copy stream, waits for the previous call, queues this one and
    /// returns; <see cref="ReadTopK"/> then reads the previous call's results. Returns false on the first call after
    /// construction, <see cref="Run"/> or <see cref="Drain"/> (there are none yet).
    /// </summary>
    public bool RunPipelined(ReadOnlySpan<FrameBuffer> frames)
    {
        using Nvtx.Range frameRange = Nvtx.Push(StageRanges.Frame);
        CheckCall(frames);
        int slot = _slots.Next;
        byte[] staging = _staging[slot];
        DetectionSlots.CopyFrames(frames, staging, FrameWidth, FrameHeight);

        // This slot's buffers were last used by the call before the previous one, which has completed (the previous
        // call waited for it); a queueing failure waits for the copy before the error goes on.
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

    /// <summary>Waits for a <see cref="RunPipelined"/> call still in flight, whose results <see cref="ReadTopK"/> then reads.</summary>
    public void Drain()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_slots.InFlight)
        {
            return;
        }

        CudaRuntime.Synchronize(_stream);
        _slots.Drained();
    }

    /// <summary>The model alone on the bound device buffers, waiting for the device: the baseline the loop is read against.</summary>
    public void RunModelOnly()
    {
        Drain();
        _session.Run();
        CudaRuntime.Synchronize(_stream);
    }

    /// <summary>
    /// The last completed call's top-k per image (softmax over the logits on the host, best first; after
    /// <see cref="RunPipelined"/>, the previous call's) into <paramref name="destination"/> (<see cref="BatchSize"/> x
    /// <see cref="TopK"/> entries); returns how many were written, 0 when no call has completed.
    /// </summary>
    public int ReadTopK(Span<ClassScore> destination)
    {
        if (_slots.Readable < 0)
        {
            return 0;
        }

        byte[] logits = _logits[_slots.Readable];
        using (Nvtx.Push(StageRanges.Postprocess))
        {
            return _half
                ? _postprocessor.Process(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(logits), BatchSize, destination)
                : _postprocessor.Process(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(logits), BatchSize, destination);
        }
    }

    /// <summary>Copies the model input the preprocess kernel wrote in the last run ([N,3,h,w], fp32 or fp16 bits).</summary>
    public void DownloadModelInput(Span<byte> destination) => Download(destination, _deviceInput, _inputElements * (_half ? 2 : 4));

    /// <summary>Copies the logits of the last run ([N, classes], fp32 or fp16 bits), as the model wrote them.</summary>
    public void DownloadLogits(Span<byte> destination) => Download(destination, _deviceLogits, _logits[0].LongLength);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_stream != IntPtr.Zero)
        {
            // Queued work may still use the buffers freed below; a failing wait means a broken context: free anyway.
            try
            {
                CudaRuntime.Synchronize(_stream);
            }
            catch (InvalidOperationException)
            {
            }

            _slots.Drained();
        }

        // The session (it owns the device buffers and unlocks the host ranges) before the kernels and the streams.
        _session?.Dispose();
        _kernels?.Dispose();
        DestroyStreamsAndEvents();
    }

    private void CheckCall(ReadOnlySpan<FrameBuffer> frames)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_deviceId != 0)
        {
            CudaRuntime.SetDevice(_deviceId); // the current device is per thread
        }

        DetectionSlots.CheckFrames(frames, BatchSize, FrameWidth, FrameHeight);
        foreach (FrameBuffer frame in frames)
        {
            frame.Validate();
        }
    }

    /// <summary>Queues, behind the upload into <paramref name="slot"/>'s device frames: preprocess, model, the logits' download into that slot.</summary>
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

        using Nvtx.Range downloadRange = Nvtx.Push(StageRanges.Download);
        byte[] logits = _logits[slot];
        CudaRuntime.CopyToHostAsync(DeviceBuffers.AddressOf(logits), _deviceLogits, logits.LongLength, _stream);
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

    /// <summary>Raw device memory, owned by the session's device buffers.</summary>
    private IntPtr Device(long bytes) => _session.Device.Allocate(TensorElementType.UInt8, [bytes]).Address;

    /// <summary>A constant table on the device, queued on the compute stream (ordered before the kernels that read it).</summary>
    private unsafe IntPtr Upload<T>(T[] values)
        where T : unmanaged
    {
        IntPtr block = Device((long)values.Length * sizeof(T));
        fixed (T* source = values)
        {
            CudaRuntime.CopyToDeviceAsync(block, (IntPtr)source, (long)values.Length * sizeof(T), _stream);
        }

        return block;
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
