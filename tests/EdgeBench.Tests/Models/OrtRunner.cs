using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Tests.Models;

/// <summary>
/// Runs a model file once on the ONNX Runtime CPU EP and returns every output as float, whatever the model's
/// element type (fp16 inputs are fed converted from the same float values).
/// </summary>
internal sealed class OrtRunner : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;

    public OrtRunner(string path)
    {
        _options = new SessionOptions { IntraOpNumThreads = 2, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        _session = new InferenceSession(path, _options);
    }

    public string InputName => _session.InputNames[0];

    public TensorElementType InputType => _session.InputMetadata[InputName].ElementDataType;

    public IReadOnlyList<(string Name, long[] Shape, float[] Values)> Run(float[] input, long[] shape)
    {
        using OrtValue value = InputType == TensorElementType.Float16
            ? OrtValue.CreateTensorValueFromMemory(input.Select(v => (Float16)v).ToArray(), shape)
            : OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(runOptions, [InputName], [value], _session.OutputNames);
        var results = new List<(string, long[], float[])>();
        for (int i = 0; i < outputs.Count; i++)
        {
            OrtTensorTypeAndShapeInfo info = outputs[i].GetTensorTypeAndShape();
            float[] values = info.ElementDataType == TensorElementType.Float16
                ? outputs[i].GetTensorDataAsSpan<Float16>().ToArray().Select(h => (float)h).ToArray()
                : outputs[i].GetTensorDataAsSpan<float>().ToArray();
            results.Add((_session.OutputNames[i], info.Shape, values));
        }

        return results;
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
