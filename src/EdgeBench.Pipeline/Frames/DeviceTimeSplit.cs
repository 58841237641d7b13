namespace EdgeBench.Pipeline.Frames;

/// <summary>
/// Where a device-staged inference stage's time goes, per frame (medians over processed frames, milliseconds), from
/// the marks <see cref="VisionPipelineProcessor.DeviceMarkNames"/> between the preprocess and inference boundaries:
/// <list type="bullet">
/// <item>transfer = (upload done - preprocess end) + (inference end - device done): the two copies;</item>
/// <item>host enqueue = host enqueue done - upload done: the host's time to queue the model's kernels;</item>
/// <item>device compute = device done - upload done: from the first queued kernel to the last one finished
/// (queuing overlaps it, so enqueue &lt;= compute, and enqueue close to compute means the device waited for the
/// host: launch-bound).</item>
/// </list>
/// </summary>
public sealed record DeviceTimeSplit(double TransferMilliseconds, double HostEnqueueMilliseconds, double DeviceComputeMilliseconds)
{
    /// <summary>The split of <paramref name="trace"/>; null when it lacks the marks or has no processed frame.</summary>
    public static DeviceTimeSplit? FromTrace(FrameTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        int upload = IndexOf(trace, VisionPipelineProcessor.UploadDone);
        int enqueue = IndexOf(trace, VisionPipelineProcessor.HostEnqueueDone);
        int device = IndexOf(trace, VisionPipelineProcessor.DeviceDone);
        if (upload < 0 || enqueue < 0 || device < 0 || trace.ProcessedCount == 0)
        {
            return null;
        }

        var transfer = new List<double>(trace.ProcessedCount);
        var enqueueTimes = new List<double>(trace.ProcessedCount);
        var compute = new List<double>(trace.ProcessedCount);
        for (int row = 0; row < trace.Count; row++)
        {
            FrameRecord frame = trace[row];
            long uploaded = trace.ExtraMark(row, upload), enqueued = trace.ExtraMark(row, enqueue), done = trace.ExtraMark(row, device);
            if (frame.Dropped || uploaded == FrameTrace.NotRecorded || enqueued == FrameTrace.NotRecorded || done == FrameTrace.NotRecorded)
            {
                continue;
            }

            transfer.Add(trace.ToMilliseconds((uploaded - frame.PreprocessEndTicks) + (frame.InferenceEndTicks - done)));
            enqueueTimes.Add(trace.ToMilliseconds(enqueued - uploaded));
            compute.Add(trace.ToMilliseconds(done - uploaded));
        }

        return transfer.Count == 0 ? null : new DeviceTimeSplit(Median(transfer), Median(enqueueTimes), Median(compute));
    }

    private static int IndexOf(FrameTrace trace, string name)
    {
        for (int i = 0; i < trace.ExtraMarkNames.Count; i++)
        {
            if (trace.ExtraMarkNames[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return LatencyStatistics.Percentile(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values), 0.5);
    }
}
