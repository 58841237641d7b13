namespace EdgeBench.Models.Onnx;

/// <summary>
/// Deterministic weight generator: the same seed and tensor name give the same values on every machine and .NET
/// version. System.Random is avoided on purpose: its seeded algorithm is an implementation detail, and the model
/// files' bytes are part of the cache contract (same seed, same bytes).
/// </summary>
/// <remarks>
/// Each tensor draws from its own stream, seeded by SplitMix64(seed ^ FNV-1a(name)), so adding a layer does not
/// change the weights of the others. Values come from xoshiro256**.
/// </remarks>
internal static class SeededWeights
{
    /// <summary>
    /// Fills <paramref name="destination"/> with zero-mean values of standard deviation <paramref name="std"/>:
    /// U(-a, a) with a = std * sqrt(3), the "Kaiming uniform" form torchvision itself uses. A uniform draw needs only
    /// integer and IEEE multiply/add arithmetic, so the bytes do not depend on a platform's libm (Box-Muller's log and
    /// cos can differ in the last bit between x64 and arm64).
    /// </summary>
    public static void FillZeroMean(Span<float> destination, ulong seed, string tensorName, float std)
    {
        float bound = std * 1.7320508f;
        FillUniform(destination, seed, tensorName, -bound, bound);
    }

    /// <summary>Fills <paramref name="destination"/> with U(<paramref name="low"/>, <paramref name="high"/>) values.</summary>
    public static void FillUniform(Span<float> destination, ulong seed, string tensorName, float low, float high)
    {
        var rng = new Xoshiro256(Mix(seed, tensorName));
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)(low + ((high - low) * rng.NextDouble()));
        }
    }

    private static ulong Mix(ulong seed, string name)
    {
        // FNV-1a over UTF-16 code units: stable, and independent of string.GetHashCode's per-process randomization.
        ulong hash = 14695981039346656037UL;
        foreach (char c in name)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        return seed ^ hash;
    }

    private struct Xoshiro256
    {
        private ulong _s0, _s1, _s2, _s3;

        public Xoshiro256(ulong seed)
        {
            // SplitMix64 expands one 64-bit seed into the 256-bit state, as the xoshiro authors recommend.
            _s0 = SplitMix(ref seed);
            _s1 = SplitMix(ref seed);
            _s2 = SplitMix(ref seed);
            _s3 = SplitMix(ref seed);
        }

        public ulong NextULong()
        {
            ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = ulong.RotateLeft(_s3, 45);
            return result;
        }

        /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

        private static ulong SplitMix(ref ulong state)
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
