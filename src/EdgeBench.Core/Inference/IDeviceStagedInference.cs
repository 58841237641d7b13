namespace EdgeBench.Core.Inference;

/// <summary>
/// A backend whose <see cref="IInferenceBackend.Run"/> is, step for step, <see cref="Upload"/>, <see cref="Enqueue"/>,
/// <see cref="WaitForDevice"/> and <see cref="Download"/>, so a frame trace can mark where the host stops and the
/// device starts: copies, the host's time to queue the work, and the device's time to finish it. trtexec reports the
/// same split ("enqueue-bound" when queuing the work takes as long as doing it: the case for CUDA graphs).
/// </summary>
public interface IDeviceStagedInference
{
    /// <summary>
    /// Whether <see cref="Enqueue"/> returns before the device is done (false where the engine may wait inside it):
    /// only then does the time to it measure the host's queuing.
    /// </summary>
    bool EnqueueReturnsBeforeDevice { get; }

    /// <summary>Copies the host input to the device; returns when the copy is complete.</summary>
    void Upload();

    /// <summary>Queues the model's device work; returns as soon as the host has queued it (the device may still run).</summary>
    void Enqueue();

    /// <summary>Returns when the device has finished the work <see cref="Enqueue"/> queued.</summary>
    void WaitForDevice();

    /// <summary>Copies the outputs to the host; returns when the copies are complete.</summary>
    void Download();
}
