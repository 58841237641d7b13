using EdgeBench.Core.Imaging;
using EdgeBench.Preprocessing;

namespace EdgeBench.Tests.Preprocessing;

public class SyntheticVideoTests
{
    [Fact]
    public void Same_seed_gives_same_bytes()
    {
        var a = new SyntheticVideo(seed: 7);
        var b = new SyntheticVideo(seed: 7);
        var frameA = new byte[a.FrameBytes];
        var frameB = new byte[b.FrameBytes];
        foreach (long k in new long[] { 0, 1, 29, 1000 })
        {
            a.Render(k, frameA);
            b.Render(k, frameB);
            Assert.Equal(frameA, frameB);
        }
    }

    [Fact]
    public void Different_seeds_give_different_scenes()
    {
        var a = new SyntheticVideo(160, 120, seed: 1);
        var b = new SyntheticVideo(160, 120, seed: 2);
        var frameA = new byte[a.FrameBytes];
        var frameB = new byte[b.FrameBytes];
        a.Render(0, frameA);
        b.Render(0, frameB);
        Assert.NotEqual(frameA, frameB);
    }

    [Fact]
    public void Consecutive_frames_differ_but_stay_alike()
    {
        var video = new SyntheticVideo();
        Assert.Equal(640 * 480 * 3, video.FrameBytes);
        var previous = new byte[video.FrameBytes];
        var current = new byte[video.FrameBytes];
        video.Render(10, previous);
        video.Render(11, current);

        // Noise changes almost every pixel a little; objects and the scrolling ground change some a lot. A scene,
        // unlike random bytes, keeps most pixels within a few levels of the previous frame.
        int changed = 0, large = 0;
        for (int i = 0; i < current.Length; i++)
        {
            int d = Math.Abs(current[i] - previous[i]);
            changed += d > 0 ? 1 : 0;
            large += d > 40 ? 1 : 0;
        }

        Assert.True(changed > current.Length / 2, $"only {changed} bytes changed");
        Assert.True(large > 100, $"only {large} bytes changed a lot: objects should move");
        Assert.True(large < current.Length / 4, $"{large} bytes changed a lot: frames should look alike");
    }

    [Fact]
    public void Frames_have_structure_and_colour()
    {
        var video = new SyntheticVideo(seed: 3);
        var frame = new byte[video.FrameBytes];
        video.Render(5, frame);

        // Sky at the top is bluer than red; the ground at the bottom is greener than blue.
        int top = 10 * video.Stride + 320 * 3;
        int bottom = 470 * video.Stride + 5 * 3;
        Assert.True(frame[top + 2] > frame[top] + 40);
        Assert.True(frame[bottom + 1] > frame[bottom + 2] + 20);

        var distinct = new HashSet<int>();
        for (int i = 0; i < frame.Length; i += 3)
        {
            distinct.Add(frame[i] << 16 | frame[i + 1] << 8 | frame[i + 2]);
        }

        Assert.True(distinct.Count > 500);
    }

    [Fact]
    public void Render_allocates_nothing_and_RenderFrame_describes_the_buffer()
    {
        var video = new SyntheticVideo(64, 48, seed: 1);
        var buffer = new byte[video.FrameBytes + 10];
        video.Render(0, buffer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        video.Render(1, buffer);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());

        FrameBuffer frame = video.RenderFrame(2, buffer);
        Assert.Equal((64, 48, 64 * 3, PixelFormat.Rgb24, 64 * 48 * 3), (frame.Width, frame.Height, frame.Stride, frame.Format, frame.Pixels.Length));
        Assert.Throws<ArgumentException>(() => video.Render(0, new byte[10]));
    }
}
