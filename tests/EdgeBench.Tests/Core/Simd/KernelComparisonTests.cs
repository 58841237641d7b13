using EdgeBench.Core.Simd;

namespace EdgeBench.Tests.Core.Simd;

public class KernelComparisonTests
{
    [Fact]
    public void A_kernel_that_is_off_by_more_than_the_tolerance_fails_and_the_report_exits_1()
    {
        // A deliberately wrong "vector kernel": the scalar twin's output with one lane nudged by 1e-3.
        float[] expected = [.. Enumerable.Range(0, 37).Select(i => i * 0.1f)];
        float[] wrong = [.. expected];
        wrong[29] += 1e-3f;
        var good = new KernelComparison("k.good", "Vector128", machinePath: true, tolerance: 1e-5);
        good.Compare("37 wide", expected, expected);
        var bad = new KernelComparison("k.bad", "Vector128", machinePath: false, tolerance: 1e-5);
        bad.Compare("4 wide", expected.AsSpan(0, 4), expected.AsSpan(0, 4));
        bad.Compare("37 wide", expected, wrong);

        KernelCheckResult badResult = bad.Result();
        Assert.False(badResult.Ok);
        Assert.Equal(2, badResult.Cases);
        Assert.Equal(1e-3, badResult.MaxAbsDiff, 1e-6);
        Assert.StartsWith("37 wide: element 29 is ", badResult.Mismatch, StringComparison.Ordinal);

        using var output = new StringWriter();
        int exitCode = KernelCheckReport.Write(output, "test machine", [good.Result(), badResult]);
        Assert.Equal(KernelCheckReport.Failed, exitCode);
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("machine: test machine", lines[0]);
        Assert.Matches(@"^k\.good +Vector128 \* +1 +0 +1E-05 +ok$", lines[2]);
        Assert.Matches(@"^k\.bad +Vector128 +2 +0\.001 +1E-05 +FAIL$", lines[3]);
        Assert.Contains("element 29", lines[4], StringComparison.Ordinal);
        Assert.Equal("kernels: FAIL: 1 of 2 vector paths disagree with their scalar twins", lines[^1]);
    }

    [Fact]
    public void Agreement_within_tolerance_passes_and_exits_0()
    {
        var check = new KernelComparison("k", "Vector128", machinePath: true, tolerance: 1e-5);
        check.Compare("fused", [1f, 100f, float.NaN, float.PositiveInfinity], [1.000001f, 100.0005f, float.NaN, float.PositiveInfinity]);
        check.Compare<byte>("bytes", [1, 2, 3], [1, 2, 3]);
        check.Compare("halves", [(Half)1, Half.NaN], [(Half)1, Half.NaN]);

        // The tolerance scales with max(1, |expected|): 5e-4 off at 100 is within 1e-5 * 100.
        Assert.True(check.Result().Ok, check.Result().Mismatch);
        Assert.Equal(KernelCheckReport.Passed, KernelCheckReport.Write(TextWriter.Null, "m", [check.Result()]));
    }

    [Fact]
    public void Bit_exact_kernels_fail_on_any_difference_a_NaN_or_a_length_mismatch()
    {
        var exact = new KernelComparison("k", "p", machinePath: true, tolerance: 0);
        exact.Compare<ushort>("bits", [0x3C00], [0x3C01]);
        Assert.Equal("bits: element 0 is 15361, the scalar twin gives 15360", exact.Result().Mismatch);

        var nan = new KernelComparison("k", "p", machinePath: true, tolerance: 1);
        nan.Compare("nan", [1f], [float.NaN]);
        Assert.False(nan.Result().Ok);
        Assert.Equal(double.PositiveInfinity, nan.Result().MaxAbsDiff);

        var infinity = new KernelComparison("k", "p", machinePath: true, tolerance: 1);
        infinity.Compare("inf", [float.PositiveInfinity], [float.MaxValue]);
        Assert.False(infinity.Result().Ok);

        var counts = new KernelComparison("k", "p", machinePath: true, tolerance: 0);
        counts.Compare<int>("indices", [1, 5, 9], [1, 5]);
        Assert.Equal("indices: 2 outputs, the scalar twin gives 3", counts.Result().Mismatch);
    }

    [Fact]
    public void No_checks_at_all_is_a_failure()
    {
        using var output = new StringWriter();
        Assert.Equal(KernelCheckReport.Failed, KernelCheckReport.Write(output, "m", []));
        Assert.Contains("kernels: FAIL: no kernel check ran", output.ToString(), StringComparison.Ordinal);
    }
}
