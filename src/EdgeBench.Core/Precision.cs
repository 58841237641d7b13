namespace EdgeBench.Core;

/// <summary>Numeric precision of a model's weights and activations.</summary>
public enum Precision
{
    /// <summary>IEEE 754 binary32.</summary>
    Fp32,

    /// <summary>IEEE 754 binary16 (System.Half).</summary>
    Fp16,
}

/// <summary>Parsing and file-name spelling of <see cref="Precision"/> (<c>fp32</c>, <c>fp16</c>).</summary>
public static class PrecisionNames
{
    /// <summary>The lower-case name used in file names, CSV columns and on the command line.</summary>
    public static string ToName(this Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Fp16 => "fp16",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
    };

    /// <summary>Parses <c>fp32</c>/<c>fp16</c> (case-insensitive).</summary>
    public static bool TryParse(string? text, out Precision precision)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "FP32":
                precision = Precision.Fp32;
                return true;
            case "FP16":
                precision = Precision.Fp16;
                return true;
            default:
                precision = default;
                return false;
        }
    }
}
