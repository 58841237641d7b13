using EdgeBench.Core;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>
/// ONNX Runtime on CUDA or TensorRT with device-resident I/O: the input and every output are OrtValues allocated once
/// in device memory by the session's CUDA allocator and bound once with <see cref="OrtIoBinding"/>, so a run moves
/// no data on ONNX Runtime's side and allocates nothing. The host side is the usual <see cref="HostTensor"/>s (the
/// preprocess writes <see cref="Input"/>, the postprocess reads <see cref="Outputs"/>), page-locked once so the
/// copies below are direct DMA.
/// </summary>
/// <remarks>
/// Where bytes move, each step public so a benchmark can time it alone:
/// <list type="number">
/// <item><see cref="Upload"/>: <see cref="Input"/> -> device (one copy of the input bytes; complete on return from
/// page-locked memory, else followed by <c>SynchronizeBoundInputs</c>).</item>
/// <item><see cref="RunOnDevice"/>: the model on the device buffers (<see cref="Enqueue"/>), then
/// <see cref="WaitForDevice"/>, so the call returns (and a timer stops) only when the device is done. Nothing crosses
/// the bus.</item>
/// <item><see cref="Download"/>: device -> <see cref="Outputs"/>, the model's outputs only (what the postprocess
/// reads), never intermediate tensors.</item>
/// </list>
/// <see cref="Run"/> does all three, as <see cref="IInferenceBackend"/> promises host outputs for the host input:
/// in a camera loop (the end-to-end benchmark) every frame is new and every result is read, so those two copies are
/// the data the loop needs to move. The Inference stage calls <see cref="Run"/> too, so a bound row there is
/// upload + device run + download with nothing else: compared with the host-copy row (<see cref="OrtBackend"/> on
/// the same provider, where ONNX Runtime allocates, stages and copies inside every run) it shows what binding saves.
/// Device-only compute is <see cref="RunOnDevice"/> alone.
/// </remarks>
public sealed class OrtDeviceBoundBackend : IInferenceBackend, IDeviceStagedInference
{
    private readonly BoundSession _session;
    private readonly HostTensor[] _outputs;
    private readonly IntPtr[] _outputDevice;
    private readonly IntPtr _inputDevice;
    private readonly bool _inputPageLocked;

    /// <summary>ONNX Runtime's run option (onnxruntime_run_options_config_keys.h) that skips the providers' wait at the end of a run.</summary>
    private const string DisableProviderSyncKey = "disable_synchronize_execution_providers";

    /// <summary>
    /// Creates the session and the device buffers. A provider that cannot start here (missing libraries, no device,
    /// no CUDA runtime for the copies) raises <see cref="ProviderUnavailableException"/>.
    /// </summary>
    public OrtDeviceBoundBackend(ResolvedModel model, int batchSize, OrtBackendOptions options)
    {
        ModelTensors tensors;
        // This backend sets the run option itself (through configureRun): its runs return once the work is queued
        // (Enqueue) and WaitForDevice waits for it before any buffer is read or reused. OrtCudaSsdPipeline does the same
        // on its own stream; the fused-graph runner keeps ONNX Runtime's waiting runs.
        (_session, tensors) = BoundSession.ForModel(model, batchSize, options, deviceBound: true,
            run => run.AddRunConfigEntry(DisableProviderSyncKey, "1"));
        Model = model.Descriptor;
        Precision = model.Precision;
        BatchSize = batchSize;
        Input = tensors.Input;
        _inputDevice = tensors.InputDevice;
        _outputs = tensors.Outputs;
        _outputDevice = tensors.OutputDevices;
        _inputPageLocked = _session.Device.IsPageLocked(Input.Address);
    }

    public string Backend => "onnxruntime";

    /// <summary><c>cuda-bound</c>, <c>cuda-graph</c> or <c>tensorrt-bound</c>: results keep host-copy and bound rows apart.</summary>
    public string ExecutionProvider => _session.ExecutionProvider;

    public ModelDescriptor Model { get; }

    public Precision Precision { get; }

    public int BatchSize { get; }

    /// <summary>The host side of the input; <see cref="Upload"/> copies it to the device.</summary>
    public HostTensor Input { get; }

    /// <summary>The host side of the outputs; <see cref="Download"/> fills them.</summary>
    public IReadOnlyList<HostTensor> Outputs => _outputs;

    /// <summary>Bytes <see cref="Upload"/> moves per call.</summary>
    public long UploadBytes => Input.ByteCount;

    /// <summary>Bytes <see cref="Download"/> moves per call.</summary>
    public long DownloadBytes => _outputs.Sum(o => (long)o.ByteCount);

    /// <summary>
    /// True on the CUDA provider, whose runs (with the option above) only queue kernels; false on TensorRT, whose
    /// engine execution may synchronize inside the run, which would make an enqueue mark a device mark.
    /// </summary>
    public bool EnqueueReturnsBeforeDevice => _session.Provider == OrtExecutionProvider.Cuda;

    /// <summary>Upload, device run, download: host input in, host outputs out (see the class remarks).</summary>
    public void Run()
    {
        Upload();
        RunOnDevice();
        Download();
    }

    /// <summary>Copies <see cref="Input"/> to its device buffer; returns when the copy is complete.</summary>
    public void Upload()
    {
        CudaRuntime.CopyToDevice(_inputDevice, Input.Address, Input.ByteCount);
        if (!_inputPageLocked)
        {
            // From pageable memory cudaMemcpy may return before the DMA lands, and ONNX Runtime's stream does not
            // wait for the legacy stream: wait for the device. From page-locked memory the copy is complete on return.
            _session.SynchronizeBoundInputs();
        }
    }

    /// <summary>Runs the model on the bound device buffers; returns when the device has finished.</summary>
    public void RunOnDevice()
    {
        Enqueue();
        WaitForDevice();
    }

    /// <summary>
    /// Queues the model on the bound buffers. The session's runs do not synchronize the provider at their end (this
    /// backend sets ONNX Runtime's <c>disable_synchronize_execution_providers</c>), so on the CUDA provider this returns
    /// once the host has queued the kernels (or launched the CUDA graph). TensorRT's provider may wait inside its run;
    /// <see cref="EnqueueReturnsBeforeDevice"/> says which.
    /// </summary>
    public void Enqueue() => _session.Run();

    /// <summary>
    /// ONNX Runtime's own wait for the bound outputs, then the whole device: the device-done mark of a frame trace must
    /// not depend on which streams a provider's synchronization covers.
    /// </summary>
    public void WaitForDevice()
    {
        _session.SynchronizeBoundOutputs();
        CudaRuntime.DeviceSynchronize();
    }

    /// <summary>Copies every output from its device buffer into <see cref="Outputs"/>.</summary>
    public void Download()
    {
        for (int i = 0; i < _outputs.Length; i++)
        {
            CudaRuntime.CopyToHost(_outputs[i].Address, _outputDevice[i], _outputs[i].ByteCount);
        }
    }

    public void Dispose() => _session.Dispose();
}
