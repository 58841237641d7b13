using System.Globalization;

namespace EdgeBench.Core.Simd;

/// <summary>
/// The outcome of running one vector path of one kernel against its scalar twin over several inputs.
/// </summary>
/// <param name="Kernel">Kernel name, e.g. <c>preprocess.horizontal</c>.</param>
/// <param name="Path">The code path that ran, e.g. <c>Vector128 (AdvSimd TBL4)</c>.</param>
/// <param name="MachinePath">Whether this is the path the machine picks by itself (the others are forced narrower levels).</param>
/// <param name="Cases">Inputs compared (sizes, channel orders, ...).</param>
/// <param name="MaxAbsDiff">Largest |vector - scalar| over every element of every case.</param>
/// <param name="Tolerance">Allowed |vector - scalar| per element, scaled by max(1, |scalar|); 0 means bit-exact.</param>
/// <param name="Mismatch">The first element out of tolerance (case, index, both values), or null when all agreed.</param>
public sealed record KernelCheckResult(string Kernel, string Path, bool MachinePath, int Cases, double MaxAbsDiff, double Tolerance, string? Mismatch)
{
    /// <summary>Every element of every case agreed within <see cref="Tolerance"/>.</summary>
    public bool Ok => Mismatch is null;
}

/// <summary>
/// Accumulates the comparisons of one kernel path with its scalar twin, case by case, into a
/// <see cref="KernelCheckResult"/>: the largest difference seen and the first element out of tolerance.
/// </summary>
/// <param name="kernel">Kernel name.</param>
/// <param name="path">The code path being checked.</param>
/// <param name="machinePath">Whether the machine picks this path by itself.</param>
/// <param name="tolerance">Per-element |vector - scalar| allowed, scaled by max(1, |scalar|) (the preprocessing tests'
/// rule: fused multiply-adds differ from the scalar's separate roundings by a few ulps); 0 for bit-exact kernels.</param>
public sealed class KernelComparison(string kernel, string path, bool machinePath, double tolerance)
{
    private int _cases;
    private double _maxAbsDiff;
    private string? _mismatch;

    /// <summary>Compares one case's fp32 outputs; NaN agrees only with NaN.</summary>
    public void Compare(string caseName, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (!SameLength(caseName, expected.Length, actual.Length))
        {
            return;
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Add(caseName, i, expected[i], actual[i]);
        }
    }

    /// <summary>Compares one case's fp16 outputs as their fp32 values.</summary>
    public void Compare(string caseName, ReadOnlySpan<Half> expected, ReadOnlySpan<Half> actual)
    {
        if (!SameLength(caseName, expected.Length, actual.Length))
        {
            return;
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Add(caseName, i, (double)(float)expected[i], (double)(float)actual[i]);
        }
    }

    /// <summary>Compares one case's integer outputs (bytes, fp16 bit patterns, indices), which must be equal.</summary>
    public void Compare<T>(string caseName, ReadOnlySpan<T> expected, ReadOnlySpan<T> actual)
        where T : struct, IConvertible
    {
        if (!SameLength(caseName, expected.Length, actual.Length))
        {
            return;
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Add(caseName, i, expected[i].ToDouble(CultureInfo.InvariantCulture), actual[i].ToDouble(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The result so far.</summary>
    public KernelCheckResult Result() => new(kernel, path, machinePath, _cases, _maxAbsDiff, tolerance, _mismatch);

    private bool SameLength(string caseName, int expected, int actual)
    {
        _cases++;
        if (expected == actual)
        {
            return true;
        }

        _maxAbsDiff = double.PositiveInfinity;
        _mismatch ??= $"{caseName}: {actual} outputs, the scalar twin gives {expected}";
        return false;
    }

    private void Add(string caseName, int index, double expected, double actual)
    {
        double diff;
        if (expected.Equals(actual))
        {
            diff = 0; // Equal values, equal infinities, and NaN with NaN.
        }
        else if (double.IsNaN(expected) || double.IsNaN(actual) || double.IsInfinity(expected) || double.IsInfinity(actual))
        {
            diff = double.PositiveInfinity;
        }
        else
        {
            diff = Math.Abs(actual - expected);
        }

        _maxAbsDiff = Math.Max(_maxAbsDiff, diff);
        if (_mismatch is null && (double.IsPositiveInfinity(diff) || diff > tolerance * Math.Max(1, Math.Abs(expected))))
        {
            _mismatch = string.Create(CultureInfo.InvariantCulture, $"{caseName}: element {index} is {actual:R}, the scalar twin gives {expected:R}");
        }
    }
}
