using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public class DiagnosisTests
{
    /// <summary>
    /// A case no rule should flag: no stage over half the frame, 3% CoV, copies and enqueue well under device time,
    /// ten telemetry samples with a steady clock, no camera drops.
    /// </summary>
    private static readonly DiagnosisInput s_healthy = new()
    {
        StageShares = new StageShares(Wait: 0.02, ToTensor: 0.08, Preprocess: 0.30, Inference: 0.45, Postprocess: 0.15),
        FrameTimeCovPercent = 3,
        TransferMilliseconds = 0.5,
        DeviceComputeMilliseconds = 2.0,
        HostEnqueueMilliseconds = 0.4,
        DeviceMilliseconds = 2.5,
        Telemetry = new TelemetryObservation(SampleCount: 10, ClockName: "SM", ClockStartMHz: 1980, ClockEndMHz: 1965),
        CameraDroppedPercent = 0.5,
    };

    public static TheoryData<string, DiagnosisRule, string> Cases() => new()
    {
        { "preprocess", DiagnosisRule.StageBound, "preprocess-bound: preprocess 61% of frame time" },
        { "inference", DiagnosisRule.StageBound, "inference-bound: inference 85% of frame time" },
        { "transfer", DiagnosisRule.TransferBound, "transfer-bound: copies 2.5 ms >= device compute 2 ms" },
        { "launch", DiagnosisRule.LaunchBound, "launch-bound: host enqueue 92% of device time (>= 80%), try ort-cuda-graph" },
        { "unstable", DiagnosisRule.Unstable, "unstable: processing-time CoV 14%" },
        { "throttled-clock", DiagnosisRule.Throttled, "throttled: SM clock 1980 -> 1410 MHz during the window" },
        { "throttled-flag", DiagnosisRule.Throttled, "throttled: under-voltage, ARM frequency capped" },
        { "telemetry", DiagnosisRule.TelemetryIncomplete, "telemetry incomplete: 1 sample in the window (need 3)" },
        { "camera", DiagnosisRule.CameraDrops, "camera: cannot keep up, 38% of frames dropped" },
    };

    [Fact]
    public void No_rule_fires_on_a_healthy_case()
    {
        Assert.Empty(Diagnosis.Evaluate(s_healthy));
        Assert.Equal(string.Empty, Diagnosis.Summarize(s_healthy));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_rule_fires_on_its_own_input_and_no_other_rule_does(string @case, DiagnosisRule rule, string message)
    {
        DiagnosisInput input = Constructed(@case);

        DiagnosisFinding finding = Assert.Single(Diagnosis.Evaluate(input));

        Assert.Equal(rule, finding.Rule);
        Assert.Equal(message, finding.Message);
        Assert.Equal(message, Diagnosis.Summarize(input));
    }

    [Fact]
    public void Rules_below_their_thresholds_stay_silent()
    {
        DiagnosisInput justBelow = s_healthy with
        {
            StageShares = new StageShares(0, 0, 0.499, 0.4, 0.1),
            FrameTimeCovPercent = Diagnosis.UnstableCovPercent,
            TransferMilliseconds = 1.99,
            HostEnqueueMilliseconds = 1.99,
            Telemetry = new TelemetryObservation(Diagnosis.MinimumTelemetrySamples, "GPU", 1000, 901),
            CameraDroppedPercent = 4.9,
        };

        Assert.Empty(Diagnosis.Evaluate(justBelow));
    }

    [Fact]
    public void A_clock_drop_and_a_throttle_flag_make_one_finding_with_both()
    {
        DiagnosisInput input = s_healthy with { Telemetry = new TelemetryObservation(10, "SM", 1980, 1410, "HW slowdown") };

        DiagnosisFinding finding = Assert.Single(Diagnosis.Evaluate(input));
        Assert.Equal("throttled: SM clock 1980 -> 1410 MHz during the window (HW slowdown)", finding.Message);
    }

    [Fact]
    public void Unknown_inputs_fire_nothing()
    {
        Assert.Empty(Diagnosis.Evaluate(new DiagnosisInput()));
    }

    [Fact]
    public void Several_findings_join_in_rule_order()
    {
        DiagnosisInput input = Constructed("camera") with { FrameTimeCovPercent = 14 };

        Assert.Equal("unstable: processing-time CoV 14%; camera: cannot keep up, 38% of frames dropped", Diagnosis.Summarize(input));
    }

    private static DiagnosisInput Constructed(string @case) => @case switch
    {
        "preprocess" => s_healthy with { StageShares = new StageShares(0.01, 0.05, 0.61, 0.25, 0.08) },
        "inference" => s_healthy with { StageShares = new StageShares(0.01, 0.02, 0.08, 0.85, 0.04) },
        "transfer" => s_healthy with { TransferMilliseconds = 2.5 },
        "launch" => s_healthy with { HostEnqueueMilliseconds = 2.3 },
        "unstable" => s_healthy with { FrameTimeCovPercent = 14.2 },
        "throttled-clock" => s_healthy with { Telemetry = new TelemetryObservation(10, "SM", 1980, 1410) },
        "throttled-flag" => s_healthy with
        {
            Telemetry = new TelemetryObservation(10, "ARM", 1500, 1500, ThrottleReason: "under-voltage, ARM frequency capped"),
        },
        "telemetry" => s_healthy with { Telemetry = new TelemetryObservation(1, "SM", 1980, 1980) },
        "camera" => s_healthy with { CameraDroppedPercent = 38.4 },
        _ => throw new ArgumentOutOfRangeException(nameof(@case), @case, "No such constructed case."),
    };
}
