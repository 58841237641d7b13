using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public class CameraScheduleTests
{
    [Fact]
    public void Frame_k_is_captured_at_start_plus_k_periods_rounded_down()
    {
        var camera = new CameraSchedule(30, startTicks: 5, ticksPerSecond: 1_000_000);

        Assert.Equal(5, camera.CaptureTicks(0));
        Assert.Equal(5 + 33_333, camera.CaptureTicks(1));
        Assert.Equal(5 + 66_666, camera.CaptureTicks(2));
        Assert.Equal(5 + 1_000_000, camera.CaptureTicks(30));
        Assert.Equal(33_333.333, camera.PeriodTicks, 3);
    }

    [Fact]
    public void The_newest_frame_changes_exactly_at_each_capture_time()
    {
        var camera = new CameraSchedule(30, 0, 1_000_000);

        Assert.Equal(-1, camera.NewestFrameAt(-1));
        Assert.Equal(0, camera.NewestFrameAt(0));
        Assert.Equal(0, camera.NewestFrameAt(33_332));
        Assert.Equal(1, camera.NewestFrameAt(33_333));
        Assert.Equal(29, camera.NewestFrameAt(999_999));
        Assert.Equal(30, camera.NewestFrameAt(1_000_000));
    }

    [Fact]
    public void Newest_frame_agrees_with_capture_times_at_a_nanosecond_clock_and_an_NTSC_rate()
    {
        var camera = new CameraSchedule(30_000 / 1_001.0, 123_456_789, 1_000_000_000);
        for (long k = 0; k < 5_000; k += 7)
        {
            long capture = camera.CaptureTicks(k);
            Assert.Equal(k, camera.NewestFrameAt(capture));
            Assert.Equal(k - 1, camera.NewestFrameAt(capture - 1));
        }
    }

    [Fact]
    public void A_free_pipeline_takes_the_newest_new_frame_or_waits_for_the_next()
    {
        var camera = new CameraSchedule(30, 0, 1_000_000);

        // Busy until just before 100 ms: frames 1 and 2 were captured; 2 holds the slot, 1 was overwritten.
        Assert.Equal(2, camera.FrameToTake(lastTakenFrame: 0, nowTicks: 99_999));
        Assert.Equal(1, CameraSchedule.DroppedBetween(0, 2));
        // At exactly 100 ms frame 3 arrives and overwrites 2 as well.
        Assert.Equal(3, camera.FrameToTake(lastTakenFrame: 0, nowTicks: 100_000));
        Assert.Equal(2, CameraSchedule.DroppedBetween(0, 3));
        // Done before the next capture: nothing new in the slot, wait for frame 3.
        Assert.Equal(3, camera.FrameToTake(lastTakenFrame: 2, nowTicks: 70_000));
        Assert.Equal(0, CameraSchedule.DroppedBetween(2, 3));
        Assert.Equal(0, camera.FrameToTake(lastTakenFrame: -1, nowTicks: 0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-30)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Rates_must_be_positive(double fps) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CameraSchedule(fps, 0, 1_000_000));
}
