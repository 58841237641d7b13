namespace EdgeBench.Core;

/// <summary>Numeric precision of a model's weights and activations.</summary>
public enum Precision
{
    /// <summary>IEEE 754 binary32.</summary>
    Fp32,

    /// <summary>IEEE 754 binary16 (System.Half).</summary>
    Fp16,

    /// <summary>
    /// 8-bit integer weights and activations in ONNX QDQ form (QuantizeLinear/DequantizeLinear around each op): the
    /// file's inputs and outputs stay fp32, so the host tensors of an int8 model are fp32 ones.
    /// </summary>
#pragma warning disable CA1720 // the precision's name; "Int8" is what every engine and paper calls it
    Int8,
#pragma warning restore CA1720
}

/// <summary>Parsing and file-name spelling of <see cref="Precision"/> (<c>fp32</c>, <c>fp16</c>, <c>int8</c>).</summary>
public static class PrecisionNames
{
    /// <summary>The lower-case name used in file names, CSV columns and on the command line.</summary>
    public static string ToName(this Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Fp16 => "fp16",
        Precision.Int8 => "int8",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
    };

    /// <summary>
    /// The precision of the host tensors a model of <paramref name="precision"/> takes and gives: its own, except int8,
    /// whose QDQ file has fp32 inputs and outputs. So an int8 pipeline's to-tensor, preprocess and postprocess are the
    /// fp32 pipeline's code.
    /// </summary>
    public static Precision HostTensors(this Precision precision) => precision == Precision.Int8 ? Precision.Fp32 : precision;

    /// <summary>Parses <c>fp32</c>/<c>fp16</c>/<c>int8</c> (case-insensitive).</summary>
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
            case "INT8":
                precision = Precision.Int8;
                return true;
            default:
                precision = default;
                return false;
        }
    }
}
