using EdgeBench.Postprocessing;

namespace EdgeBench.Tests.Postprocessing;

public class SsdDefaultBoxesTests
{
    private const float Tolerance = 1e-6f;

    // Box blocks per feature map, in the reference's order (size outer, cell inner): 38² cells per size on the first map.
    private const int Map0Cells = 38 * 38;

    private static readonly SsdDefaultBoxes s_boxes = SsdDefaultBoxes.Coco300;

    [Fact]
    public void Coco300_has_8732_boxes_and_is_cached()
    {
        Assert.Equal(SsdDefaultBoxes.Coco300Count, s_boxes.Count);
        Assert.Equal(8732, s_boxes.CenterX.Length);
        Assert.Same(s_boxes, SsdDefaultBoxes.Coco300);
    }

    [Fact]
    public void First_box_of_38x38_map_is_21px_at_first_cell()
    {
        AssertBox(0, 0.5f * 8 / 300, 0.5f * 8 / 300, 21f / 300, 21f / 300);
    }

    [Fact]
    public void Second_box_is_next_cell_same_size_because_size_loop_is_outer()
    {
        // NVIDIA's DefaultBoxes loops "for w, h in all_sizes: for i, j in product(range(fk))", so index 1 is cell (0, 1).
        AssertBox(1, 1.5f * 8 / 300, 0.5f * 8 / 300, 21f / 300, 21f / 300);
        AssertBox(38, 0.5f * 8 / 300, 1.5f * 8 / 300, 21f / 300, 21f / 300);
    }

    [Fact]
    public void Geometric_mean_size_then_2to1_pair_follow_in_blocks()
    {
        float c = 0.5f * 8 / 300;
        AssertBox(Map0Cells, c, c, 0.10246950765959599f, 0.10246950765959599f);
        AssertBox(2 * Map0Cells, c, c, 0.09899494936611666f, 0.049497474683058325f);
        AssertBox(3 * Map0Cells, c, c, 0.049497474683058325f, 0.09899494936611666f);
    }

    [Fact]
    public void Second_map_starts_after_four_38x38_blocks()
    {
        AssertBox(4 * Map0Cells, 0.5f * 16 / 300, 0.5f * 16 / 300, 45f / 300, 45f / 300);
    }

    [Fact]
    public void Last_box_is_clamped_to_one()
    {
        // 1×1 map, last size is (sk1/√2, sk1·√2) with sk1 = 261/300; the height 1.23 is clamped to 1.
        AssertBox(8731, 0.5f, 0.5f, 0.6151828996322963f, 1f);
        for (int i = 0; i < s_boxes.Count; i++)
        {
            Assert.InRange(s_boxes.Width[i], 0f, 1f);
            Assert.InRange(s_boxes.Height[i], 0f, 1f);
        }
    }

    [Fact]
    public void Ltrb_is_derived_from_clamped_xywh_without_clamping()
    {
        Assert.Equal((0.5f * 8 / 300) - (0.5f * 21 / 300), s_boxes.Left[0], Tolerance);
        Assert.True(s_boxes.Left[0] < 0f, "The reference does not clamp ltrb.");
        for (int i = 0; i < s_boxes.Count; i++)
        {
            Assert.Equal(s_boxes.CenterX[i] - (0.5f * s_boxes.Width[i]), s_boxes.Left[i]);
            Assert.Equal(s_boxes.CenterY[i] - (0.5f * s_boxes.Height[i]), s_boxes.Top[i]);
            Assert.Equal(s_boxes.CenterX[i] + (0.5f * s_boxes.Width[i]), s_boxes.Right[i]);
            Assert.Equal(s_boxes.CenterY[i] + (0.5f * s_boxes.Height[i]), s_boxes.Bottom[i]);
        }
    }

    [Fact]
    public void Custom_configuration_counts_boxes_per_cell()
    {
        var boxes = new SsdDefaultBoxes(100, [2], [50], [10, 20], [[2, 3]]);
        Assert.Equal(6 * 4, boxes.Count);
    }

    private static void AssertBox(int index, float cx, float cy, float w, float h)
    {
        Assert.Equal(cx, s_boxes.CenterX[index], Tolerance);
        Assert.Equal(cy, s_boxes.CenterY[index], Tolerance);
        Assert.Equal(w, s_boxes.Width[index], Tolerance);
        Assert.Equal(h, s_boxes.Height[index], Tolerance);
    }

    [Fact]
    public void Cell_major_order_puts_every_size_of_a_cell_together_and_no_steps_means_the_maps_own_grid()
    {
        // torchvision's ssdlite320: six maps, two aspect ratios each (6 boxes a cell), scales 0.2..0.95 and 1.0 of 320
        // px, no steps: 6 x (20² + 10² + 5² + 3² + 2² + 1²) = 3,234 boxes.
        int[][] ratios = [[2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [2, 3]];
        var lite = new SsdDefaultBoxes(320, [20, 10, 5, 3, 2, 1], [], [64, 112, 160, 208, 256, 304, 320], ratios, cellMajor: true);
        var sizeMajor = new SsdDefaultBoxes(320, [20, 10, 5, 3, 2, 1], [], [64, 112, 160, 208, 256, 304, 320], ratios);
        Assert.Equal(3234, lite.Count);

        // Cell (row 1, column 2) of the first map: centre ((2 + 0.5) / 20, (1 + 0.5) / 20); its six sizes sit at
        // 6·22 .. 6·22 + 5 cell-major and at s·400 + 22 size-major. Size 1 is sqrt(0.2·0.35) = 0.264575.
        for (int size = 0; size < 6; size++)
        {
            int cellMajorIndex = (6 * 22) + size, sizeMajorIndex = (size * 400) + 22;
            Assert.Equal((0.125f, 0.075f), (lite.CenterX[cellMajorIndex], lite.CenterY[cellMajorIndex]));
            Assert.Equal((sizeMajor.Width[sizeMajorIndex], sizeMajor.Height[sizeMajorIndex]), (lite.Width[cellMajorIndex], lite.Height[cellMajorIndex]));
        }

        Assert.Equal(0.264575, lite.Width[(6 * 22) + 1], 5);
    }
}
