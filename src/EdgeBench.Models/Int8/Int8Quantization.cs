using EdgeBench.Core.Models;
using Onnx;

namespace EdgeBench.Models.Int8;

/// <summary>The smallest and largest value a tensor took over the calibration frames.</summary>
public readonly record struct ActivationRange(float Min, float Max);

/// <summary>
/// Builds the int8 (QDQ) file of a model for <see cref="Zoo.ModelStore"/>: calibrates the fp32 model on frames and
/// inserts QuantizeLinear/DequantizeLinear (<see cref="QdqQuantizer"/>). It lives outside this assembly because
/// calibration runs the fp32 model in an engine (ONNX Runtime), which the model zoo does not reference.
/// </summary>
public interface IInt8Quantizer
{
    /// <summary>
    /// Everything besides the source model that the int8 file depends on: quantizer version, calibration method, the
    /// calibration frames' identity (a hash of their pixels) and the engine's version. It goes into the cache stamp,
    /// so other frames or another method rebuild the file.
    /// </summary>
    string Key { get; }

    /// <summary>Returns the int8 QDQ model of <paramref name="fp32"/> (not modified), calibrated for <paramref name="descriptor"/>'s input.</summary>
    ModelProto Quantize(ModelProto fp32, ModelDescriptor descriptor);
}

/// <summary>Calibration could not give usable ranges: no frames, a frame of another size, or non-finite activations.</summary>
public sealed class CalibrationException : Exception
{
    public CalibrationException()
    {
    }

    public CalibrationException(string message)
        : base(message)
    {
    }

    public CalibrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
