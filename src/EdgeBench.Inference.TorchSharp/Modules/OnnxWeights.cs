using System.Runtime.InteropServices;
using EdgeBench.Models.Onnx;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgeBench.Inference.TorchSharp.Modules;

/// <summary>Reads an ONNX file's initializers into a module whose parameter names are the initializer names.</summary>
internal static class OnnxWeights
{
    /// <summary>Parses the file; a missing or corrupt file raises <see cref="ModelFileException"/>.</summary>
    public static ModelProto Read(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            ModelProto model = ModelProto.Parser.ParseFrom(stream);
            return model.Graph is null ? throw new ModelFileException(path, "not a valid ONNX model (no graph)") : model;
        }
        catch (Exception e) when (e is IOException or InvalidProtocolBufferException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, $"cannot be read as ONNX: {e.Message}", e);
        }
    }

    /// <summary>
    /// Copies every parameter of <paramref name="module"/> from the initializer of the same name (shape-checked,
    /// converted to the parameter's dtype), and checks that every <c>.weight</c>/<c>.bias</c> initializer of the
    /// file found a parameter: a file of another architecture fails here with the names that differ.
    /// </summary>
    public static void Load(nn.Module module, ModelProto model, string path)
    {
        Dictionary<string, TensorProto> initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        using (no_grad())
        {
            foreach ((string name, Tensor parameter) in module.named_parameters())
            {
                if (!initializers.TryGetValue(name, out TensorProto? proto))
                {
                    missing.Add(name);
                    continue;
                }

                long[] dims = [.. proto.Dims];
                if (!dims.SequenceEqual(parameter.shape))
                {
                    throw new ModelFileException(path,
                        $"initializer '{name}' has shape [{string.Join(",", dims)}], the torchsharp module expects [{string.Join(",", parameter.shape)}]");
                }

                using Tensor source = ToTensor(proto, path);
                parameter.copy_(source);
                used.Add(name);
            }
        }

        string[] unused = initializers.Keys
            .Where(n => (n.EndsWith(".weight", StringComparison.Ordinal) || n.EndsWith(".bias", StringComparison.Ordinal)) && !used.Contains(n))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (missing.Count > 0 || unused.Length > 0)
        {
            throw new ModelFileException(path,
                $"does not match the torchsharp '{model.Graph.Name}' module: missing initializers [{string.Join(", ", missing.Take(8))}], " +
                $"initializers without a parameter [{string.Join(", ", unused.Take(8))}]");
        }
    }

    /// <summary>A float32 tensor of an fp32 or fp16 initializer (raw_data or the typed fields); fp16 widens exactly.</summary>
    internal static Tensor ToTensor(TensorProto proto, string path)
    {
        long[] dims = [.. proto.Dims];
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var values = new float[count];
        switch ((DataType)proto.DataType)
        {
            case DataType.Float when proto.RawData.Length > 0:
                CheckLength(proto, path, proto.RawData.Length, count * sizeof(float));
                MemoryMarshal.Cast<byte, float>(proto.RawData.Span).CopyTo(values);
                break;
            case DataType.Float:
                CheckLength(proto, path, proto.FloatData.Count, count);
                proto.FloatData.CopyTo(values, 0);
                break;
            case DataType.Float16 when proto.RawData.Length > 0:
                CheckLength(proto, path, proto.RawData.Length, count * 2);
                ReadOnlySpan<Half> halves = MemoryMarshal.Cast<byte, Half>(proto.RawData.Span);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)halves[i];
                }

                break;
            case DataType.Float16:
                // Typed fp16 data lives in int32_data, one 16-bit pattern per element.
                CheckLength(proto, path, proto.Int32Data.Count, count);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BitConverter.UInt16BitsToHalf((ushort)proto.Int32Data[i]);
                }

                break;
            default:
                throw new ModelFileException(path, $"initializer '{proto.Name}' has data type {(DataType)proto.DataType}; float and float16 are supported");
        }

        return tensor(values, dims);
    }

    /// <summary>The element type of a graph input or output: float or float16.</summary>
    internal static EdgeBench.Core.Precision ElementType(ModelProto model, string name, bool input, string path)
    {
        ValueInfoProto? info = (input ? model.Graph.Input : model.Graph.Output).FirstOrDefault(v => v.Name == name)
            ?? throw new ModelFileException(path, $"has no {(input ? "input" : "output")} '{name}'");
        return (DataType)info.Type.TensorType.ElemType switch
        {
            DataType.Float => EdgeBench.Core.Precision.Fp32,
            DataType.Float16 => EdgeBench.Core.Precision.Fp16,
            DataType other => throw new NotSupportedException($"{path}: '{name}' has element type {other}; EdgeBench handles float and float16."),
        };
    }

    private static void CheckLength(TensorProto proto, string path, long actual, long expected)
    {
        if (actual != expected)
        {
            throw new ModelFileException(path, $"initializer '{proto.Name}' holds {actual} units of data, its shape needs {expected}");
        }
    }
}
