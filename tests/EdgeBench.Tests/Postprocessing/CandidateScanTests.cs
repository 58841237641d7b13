using EdgeBench.Postprocessing;

namespace EdgeBench.Tests.Postprocessing;

public class CandidateScanTests
{
    [Fact]
    public void Vector_scan_matches_scalar_for_every_remainder()
    {
        // Lengths 0..256 cover every tail length of the 8- and 4-lane loops (style rule 13).
        var random = new Random(7);
        for (int length = 0; length <= 256; length++)
        {
            var x = new float[length];
            var t = new float[length];
            for (int i = 0; i < length; i++)
            {
                x[i] = random.NextSingle();
                t[i] = random.Next(4) == 0 ? x[i] : random.NextSingle();
            }

            var indices = new int[length];
            int count = CandidateScan.GreaterThan(x, t, indices);
            Assert.Equal(Enumerable.Range(0, length).Where(i => x[i] > t[i]).ToArray(), indices[..count]);

            count = CandidateScan.GreaterThan(x, 0.5f, indices);
            Assert.Equal(Enumerable.Range(0, length).Where(i => x[i] > 0.5f).ToArray(), indices[..count]);
        }
    }
}
