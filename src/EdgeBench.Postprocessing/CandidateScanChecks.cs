using EdgeBench.Core.Simd;

namespace EdgeBench.Postprocessing;

/// <summary>
/// <see cref="CandidateScan"/>'s vector paths against its scalar loop on seeded random rows, at every width this
/// machine accelerates, for the kernel self-check. Indices must match exactly (a count mismatch is a failure).
/// </summary>
public static class CandidateScanChecks
{
    /// <summary>Runs both scans (per-element and scalar threshold) at each supported width.</summary>
    public static IReadOnlyList<KernelCheckResult> Run(int seed)
    {
        var results = new List<KernelCheckResult>();
        ScanPath best = CandidateScan.BestPath;
        for (ScanPath path = ScanPath.Vector128; path <= best; path++)
        {
            var perElement = new KernelComparison("postprocess.candidate-scan", $"{path} (threshold per element)", path == best, 0);
            var scalarThreshold = new KernelComparison("postprocess.candidate-scan", $"{path} (one threshold)", path == best, 0);
            var random = new Random(seed);

            // Every tail length of the 8- and 4-lane loops, and a detector-sized row (8400 Ultralytics anchors).
            foreach (int length in Enumerable.Range(0, 70).Append(8400))
            {
                var x = new float[length];
                var t = new float[length];
                for (int i = 0; i < length; i++)
                {
                    x[i] = random.NextSingle();

                    // Some ties: equal is not a candidate.
                    t[i] = random.Next(4) == 0 ? x[i] : random.NextSingle();
                }

                var expected = new int[length];
                var actual = new int[length];
                int expectedCount = CandidateScan.GreaterThan(x, t, expected, ScanPath.Scalar);
                int actualCount = CandidateScan.GreaterThan(x, t, actual, path);
                perElement.Compare<int>($"{length} wide", expected.AsSpan(0, expectedCount), actual.AsSpan(0, actualCount));

                expectedCount = CandidateScan.GreaterThan(x, 0.5f, expected, ScanPath.Scalar);
                actualCount = CandidateScan.GreaterThan(x, 0.5f, actual, path);
                scalarThreshold.Compare<int>($"{length} wide", expected.AsSpan(0, expectedCount), actual.AsSpan(0, actualCount));
            }

            results.Add(perElement.Result());
            results.Add(scalarThreshold.Result());
        }

        return results;
    }
}
