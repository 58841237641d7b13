using EdgeBench.Core.Models;
using EdgeBench.Models.Onnx;
using Onnx;

namespace EdgeBench.Models.Zoo;

/// <summary>
/// The real trained ResNet-18 feature extractor shipped in the Microsoft.ML.DnnImageFeaturizer.ResNet18 package
/// (CNTK 2.6 export, opset 8), made usable as a catalog model.
/// </summary>
/// <remarks>
/// The package ships two graphs: <c>ResNetPreprocess.onnx</c> (RGB -> BGR, then subtract a per-pixel 224x224 mean
/// image) and <c>ResNet18.onnx</c> (input <c>Input247</c> [1,3,224,224] -> <c>Pooling395_Output_0</c> [1,512,1,1]).
/// A per-pixel mean image cannot be expressed as a per-channel normalization, so the two graphs are joined into one:
/// the catalog model takes RGB 0..255 NCHW (normalization: identity on 0..255) and the mean subtraction runs inside
/// the graph. The batch dimension, fixed at 1 in the export, is made symbolic; every op in the graph is
/// batch-agnostic (Conv, BatchNormalization, Relu, MaxPool, Add, AveragePool, and a broadcast Sub).
/// </remarks>
internal static class PretrainedResNet18
{
    /// <summary>Input of the joined graph: RGB, 0..255, NCHW.</summary>
    public const string InputName = "input";

    /// <summary>The 512-d feature output, [N,512,1,1].</summary>
    public const string OutputName = "features";

    /// <summary>0..255 passes through unchanged: (x/255 - 0) / (1/255) = x.</summary>
    public static Normalization InputNormalization { get; } = new([0f, 0f, 0f], [1f / 255f, 1f / 255f, 1f / 255f]);

    private const string OriginalInput = "Input247";
    private const string OriginalOutput = "Pooling395_Output_0";

    /// <summary>Folder (next to the application) where the build copies the package's two .onnx files.</summary>
    public static string PackagedFolder => Path.Combine(AppContext.BaseDirectory, "pretrained");

    public static string NetworkPath => Path.Combine(PackagedFolder, "ResNet18.onnx");

    public static string PreprocessPath => Path.Combine(PackagedFolder, "ResNetPreprocess.onnx");

    /// <summary>Loads and joins the packaged graphs; throws <see cref="ModelFileException"/> naming a missing or bad file.</summary>
    public static ModelProto Load()
    {
        ModelProto network = OnnxFiles.Read(NetworkPath);
        ModelProto preprocess = OnnxFiles.Read(PreprocessPath);
        GraphProto graph = network.Graph;

        if (graph.Input.All(i => i.Name != OriginalInput) || graph.Output.All(o => o.Name != OriginalOutput))
        {
            throw new ModelFileException(NetworkPath, $"expected input '{OriginalInput}' and output '{OriginalOutput}' (CNTK ResNet-18 export)");
        }

        // Preprocess graph: OriginalInput -> Split -> Concat(B,G,R) -> Sub(MeanImage) -> PreprocessedInput.
        // Rename its ends so it reads our input and feeds the network's.
        var rename = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [preprocess.Graph.Input[0].Name] = InputName,
            [preprocess.Graph.Output[0].Name] = OriginalInput,
        };
        var joinedNodes = new List<NodeProto>();
        foreach (NodeProto node in preprocess.Graph.Node)
        {
            NodeProto copy = node.Clone();
            for (int i = 0; i < copy.Input.Count; i++)
            {
                copy.Input[i] = rename.GetValueOrDefault(copy.Input[i], copy.Input[i]);
            }

            for (int i = 0; i < copy.Output.Count; i++)
            {
                copy.Output[i] = rename.GetValueOrDefault(copy.Output[i], copy.Output[i]);
            }

            joinedNodes.Add(copy);
        }

        joinedNodes.AddRange(graph.Node);
        joinedNodes.Add(OnnxGraphBuilder.Node("Identity", OutputName + "_identity", [OriginalOutput], [OutputName]));
        graph.Node.Clear();
        graph.Node.Add(joinedNodes);
        graph.Initializer.Add(preprocess.Graph.Initializer);

        graph.Input.Clear();
        graph.Input.Add(OnnxGraphBuilder.ValueInfo(InputName, TensorProto.Types.DataType.Float, [-1, 3, 224, 224]));
        graph.Output.Clear();
        graph.Output.Add(OnnxGraphBuilder.ValueInfo(OutputName, TensorProto.Types.DataType.Float, [-1, 512, 1, 1]));

        // The export's value_info pins batch 1 on every intermediate; make the batch symbolic there too.
        foreach (ValueInfoProto info in graph.ValueInfo)
        {
            if (info.Type?.TensorType?.Shape?.Dim is { Count: > 0 } dims)
            {
                dims[0] = new TensorShapeProto.Types.Dimension { DimParam = OnnxGraphBuilder.BatchDimension };
            }
        }

        network.DocString = "Trained ResNet-18 feature extractor from Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (CNTK 2.6 export), " +
            "joined with its ResNetPreprocess graph (RGB->BGR, minus mean image); input RGB 0..255, symbolic batch.";
        return network;
    }
}
