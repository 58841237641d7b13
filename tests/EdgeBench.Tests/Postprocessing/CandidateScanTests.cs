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

    [Fact]
    public void Every_path_pinned_matches_the_scalar_loop()
    {
        // Vector128 is arm64's path; pinning it here runs it on x86 too (x86 otherwise takes it only for 4-7 lane tails).
        var random = new Random(11);
        for (int length = 0; length <= 70; length++)
        {
            float[] x = [.. Enumerable.Range(0, length).Select(_ => random.NextSingle())];
            float[] t = [.. x.Select(v => random.Next(3) == 0 ? v : random.NextSingle())];
            int[] expected = [.. Enumerable.Range(0, length).Where(i => x[i] > t[i])];
            int[] expectedHalf = [.. Enumerable.Range(0, length).Where(i => x[i] > 0.5f)];
            foreach (ScanPath path in Enum.GetValues<ScanPath>())
            {
                var indices = new int[length];
                Assert.Equal(expected, indices[..CandidateScan.GreaterThan(x, t, indices, path)]);
                Assert.Equal(expectedHalf, indices[..CandidateScan.GreaterThan(x, 0.5f, indices, path)]);
            }
        }
    }
}
