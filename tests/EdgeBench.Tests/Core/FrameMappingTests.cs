using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;

namespace EdgeBench.Tests.Core;

public class FrameMappingTests
{
    [Fact]
    public void Stretch_scales_each_axis_on_its_own_and_has_no_padding()
    {
        FrameMapping mapping = FrameMapping.For(ResizeMode.Stretch, 640, 480, 300, 300);

        Assert.Equal((300, 300, 0, 0, false), (mapping.ContentWidth, mapping.ContentHeight, mapping.OffsetX, mapping.OffsetY, mapping.HasPadding));
        BoundingBox box = mapping.MapToFrame(new BoundingBox(30, 60, 150, 300));
        Assert.Equal(64f, box.Left, 1e-4f);
        Assert.Equal(96f, box.Top, 1e-4f);
        Assert.Equal(320f, box.Right, 1e-4f);
        Assert.Equal(480f, box.Bottom, 1e-4f);
    }

    [Theory]
    // Ultralytics' numbers: 640x480 into 640x640 -> gain 1, 640x480 content, 80 rows above and below.
    [InlineData(640, 480, 640, 640, 640, 480, 0, 80)]
    // 1280x720 into 640x640: gain 0.5, content 640x360, 140 rows above and below.
    [InlineData(1280, 720, 640, 640, 640, 360, 0, 140)]
    // Portrait 480x640 into 416x416: gain 0.65, content 312x416, 52 columns each side.
    [InlineData(480, 640, 416, 416, 312, 416, 52, 0)]
    // Odd slack: 33x17 into 45x45 -> gain 45/33, content 45x23 (23.18 rounded), 22 slack rows -> 11 above, 11 below;
    // 33x18 into 45x44 -> content 45x25 (24.545), slack 19 -> 9 above (the floor, Ultralytics' round(9.5 - 0.1)), 10 below.
    [InlineData(33, 17, 45, 45, 45, 23, 0, 11)]
    [InlineData(33, 18, 45, 44, 45, 25, 0, 9)]
    // Upscaling as Ultralytics' default scaleup=True: 20x10 into 64x64 -> gain 3.2, content 64x32.
    [InlineData(20, 10, 64, 64, 64, 32, 0, 16)]
    // A content size of exactly 2.5 rounds half to even, as Python's round: 2x5 into 1x8 at gain 0.5 -> 1x2, 3 rows above.
    [InlineData(2, 5, 1, 8, 1, 2, 0, 3)]
    public void Letterbox_content_and_offsets_follow_ultralytics(int fw, int fh, int iw, int ih, int cw, int ch, int ox, int oy)
    {
        FrameMapping mapping = FrameMapping.For(ResizeMode.Letterbox, fw, fh, iw, ih);

        Assert.Equal((cw, ch, ox, oy), (mapping.ContentWidth, mapping.ContentHeight, mapping.OffsetX, mapping.OffsetY));
        Assert.Equal(cw != iw || ch != ih, mapping.HasPadding);
    }

    [Fact]
    public void Letterbox_maps_boxes_back_by_removing_the_pad_and_dividing_by_the_scale()
    {
        FrameMapping mapping = FrameMapping.For(ResizeMode.Letterbox, 1280, 720, 640, 640);

        // Input (100, 140+50) .. (300, 140+250) -> frame (200, 100) .. (600, 500).
        BoundingBox box = mapping.MapToFrame(new BoundingBox(100, 190, 300, 390));
        Assert.Equal(new BoundingBox(200, 100, 600, 500), box);

        // The whole content rectangle maps to the whole frame.
        Assert.Equal(new BoundingBox(0, 0, 1280, 720), mapping.MapToFrame(new BoundingBox(0, 140, 640, 500)));
    }

    [Fact]
    public void Boxes_reaching_into_the_padding_are_clamped_to_the_frame()
    {
        FrameMapping mapping = FrameMapping.For(ResizeMode.Letterbox, 640, 480, 640, 640);

        BoundingBox box = mapping.MapToFrame(new BoundingBox(-20, 10, 700, 630));

        Assert.Equal(new BoundingBox(0, 0, 640, 480), box);
    }

    [Fact]
    public void Relative_coordinates_are_input_fractions()
    {
        FrameMapping mapping = FrameMapping.For(ResizeMode.Letterbox, 640, 480, 640, 640);

        // 0.5 of the input height is row 320, frame row 240; 0.25 of the width is column 160 either way.
        BoundingBox box = mapping.MapRelativeToFrame(new BoundingBox(0.25f, 0.5f, 0.75f, 0.5f));

        Assert.Equal(new BoundingBox(160, 240, 480, 240), box);
    }

    [Fact]
    public void Round_trip_of_a_frame_box_through_the_resize_is_exact_up_to_float_rounding()
    {
        foreach (ResizeMode resize in Enum.GetValues<ResizeMode>())
        {
            FrameMapping mapping = FrameMapping.For(resize, 1920, 1080, 416, 320);
            var frameBox = new BoundingBox(100, 200, 900, 1000);
            var inputBox = new BoundingBox(
                (float)((frameBox.Left * mapping.ScaleX) + mapping.OffsetX),
                (float)((frameBox.Top * mapping.ScaleY) + mapping.OffsetY),
                (float)((frameBox.Right * mapping.ScaleX) + mapping.OffsetX),
                (float)((frameBox.Bottom * mapping.ScaleY) + mapping.OffsetY));

            BoundingBox back = mapping.MapToFrame(inputBox);

            Assert.Equal(frameBox.Left, back.Left, 1e-2f);
            Assert.Equal(frameBox.Top, back.Top, 1e-2f);
            Assert.Equal(frameBox.Right, back.Right, 1e-2f);
            Assert.Equal(frameBox.Bottom, back.Bottom, 1e-2f);
        }
    }
}
