using Google.Protobuf;
using Onnx;

namespace EdgeBench.Models.Onnx;

/// <summary>The error for a model file that is missing, truncated or not ONNX; the message names the file.</summary>
public sealed class ModelFileException : Exception
{
    public ModelFileException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    public ModelFileException()
    {
        FilePath = string.Empty;
    }

    public ModelFileException(string message)
        : base(message)
    {
        FilePath = string.Empty;
    }

    public ModelFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = string.Empty;
    }

    /// <summary>The offending file.</summary>
    public string FilePath { get; }
}

/// <summary>Reading and writing .onnx files with clear errors and no half-written output.</summary>
internal static class OnnxFiles
{
    /// <summary>Parses an ONNX model; a missing, empty, truncated or non-ONNX file raises <see cref="ModelFileException"/>.</summary>
    public static ModelProto Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelFileException(path, "file not found");
        }

        ModelProto model;
        try
        {
            using FileStream stream = File.OpenRead(path);
            if (stream.Length == 0)
            {
                throw new ModelFileException(path, "file is empty; expected an ONNX model (protobuf ModelProto)");
            }

            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelFileException(path, $"not a valid ONNX model (truncated or corrupt protobuf: {e.Message})", e);
        }

        // Protobuf parses many byte strings "successfully" into an empty message; a model without a graph is not one.
        if (model.Graph is null || model.Graph.Node.Count == 0 || model.Graph.Input.Count == 0 || model.Graph.Output.Count == 0)
        {
            throw new ModelFileException(path, "not a valid ONNX model (no graph, nodes, inputs or outputs)");
        }

        return model;
    }

    /// <summary>
    /// Writes <paramref name="model"/> to a temporary file beside <paramref name="path"/> and renames it into place,
    /// so a crash or a full disk never leaves a half-written model under the final name.
    /// </summary>
    public static void WriteAtomically(ModelProto model, string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (FileStream stream = File.Create(temporary))
            {
                model.WriteTo(stream);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
