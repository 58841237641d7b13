using System.Runtime.InteropServices;
using EdgeBench.Core;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgeBench.Tests.Inference;

/// <summary>
/// The one owner of an ONNX Runtime session (<see cref="BoundSession"/>) on the CPU provider: bind-and-check names
/// the file and what it has, a failed construction or bind leaves nothing to leak, and the provider name every
/// runner reports comes from the one rule.
/// </summary>
public sealed class BoundSessionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgebench-bound-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(OrtExecutionProvider.Cpu, OrtIo.Host, "cpu")]
    [InlineData(OrtExecutionProvider.Cuda, OrtIo.Host, "cuda")]
    [InlineData(OrtExecutionProvider.Cuda, OrtIo.DeviceBound, "cuda-bound")]
    [InlineData(OrtExecutionProvider.Cuda, OrtIo.CudaGraph, "cuda-graph")]
    [InlineData(OrtExecutionProvider.TensorRt, OrtIo.Host, "tensorrt")]
    [InlineData(OrtExecutionProvider.TensorRt, OrtIo.DeviceBound, "tensorrt-bound")]
    public void Result_names_keep_host_copy_and_bound_rows_apart(OrtExecutionProvider provider, OrtIo io, string expected) =>
        Assert.Equal(expected, OrtProviders.ResultName(provider, io));

    [Fact]
    public void Binds_checked_views_and_runs_on_them()
    {
        using var session = new BoundSession(Model(), new OrtBackendOptions { IntraOpThreads = 1 }, deviceBound: false);
        Assert.Equal("cpu", session.ExecutionProvider);
        float[] x = GC.AllocateArray<float>(2, pinned: true);
        float[] y = GC.AllocateArray<float>(2, pinned: true);
        session.BindView("x", isInput: true, TensorElementType.Float, [1, 2], Address(x), 8, deviceMemory: null);
        session.BindView("y", isInput: false, TensorElementType.Float, [1, 2], Address(y), 8, deviceMemory: null);

        x[0] = 1f;
        x[1] = -4f;
        session.Run();
        Assert.Equal([0.5f, 8f], y);
        x[0] = 6f; // views, not copies: the next run reads the new input
        session.Run();
        Assert.Equal(3f, y[0]);
    }

    [Fact]
    public void Bind_names_the_file_and_what_it_has_when_the_name_or_type_is_wrong()
    {
        ResolvedModel model = Model();
        using var session = new BoundSession(model, new OrtBackendOptions(), deviceBound: false);
        float[] buffer = GC.AllocateArray<float>(2, pinned: true);

        var missing = Assert.Throws<ModelFileException>(() => session.BindView("images", isInput: true, TensorElementType.Float, [1, 2], Address(buffer), 8, deviceMemory: null));
        Assert.Contains(model.Path, missing.Message, StringComparison.Ordinal);
        Assert.Contains("has no input 'images' (it has: x)", missing.Message, StringComparison.Ordinal);
        var type = Assert.Throws<ModelFileException>(() => session.BindView("y", isInput: false, TensorElementType.UInt8, [8], Address(buffer), 8, deviceMemory: null));
        Assert.Contains("'y' in Float, not UInt8", type.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_ONNX_Runtime_cannot_load_fails_construction_with_the_file_named()
    {
        string path = Path.Combine(_directory, "broken.onnx");
        File.WriteAllBytes(path, [1, 2, 3, 4]);
        var model = new ResolvedModel(ModelCatalog.Get(ModelCatalog.MobileNetV2Id), Precision.Fp32, path, ModelSource.Generated);

        var e = Assert.Throws<ModelFileException>(() => new BoundSession(model, new OrtBackendOptions(), deviceBound: false));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Io_modes_the_provider_lacks_are_refused_before_a_session_exists()
    {
        // An absent file: the refusal comes first, so nothing is read or created.
        var model = new ResolvedModel(ModelCatalog.Get(ModelCatalog.MobileNetV2Id), Precision.Fp32, Path.Combine(_directory, "absent.onnx"), ModelSource.Generated);

        Assert.Throws<ArgumentException>(() => new BoundSession(model, new OrtBackendOptions(), deviceBound: true));
        Assert.Throws<ArgumentException>(() => new BoundSession(model, new OrtBackendOptions { Provider = OrtExecutionProvider.Cuda, CudaGraph = true }, deviceBound: false));
        Assert.Throws<ArgumentException>(() => new OrtBackend(model, 1, new OrtBackendOptions { Provider = OrtExecutionProvider.Cuda, CudaGraph = true }));
    }

    [Fact]
    public void A_host_session_has_no_device_buffers_and_disposes_once()
    {
        var session = new BoundSession(Model(), new OrtBackendOptions(), deviceBound: false);
        Assert.Throws<InvalidOperationException>(() => session.Device);
        session.Dispose();
        session.Dispose();
    }

    /// <summary>x [1,2] -> Mul(w = [0.5, -2]) -> y [1,2], written to a file, resolved under a catalog descriptor.</summary>
    private ResolvedModel Model()
    {
        var graph = new GraphProto { Name = "mul" };
        graph.Input.Add(OnnxGraphBuilder.ValueInfo("x", DataType.Float, [1, 2]));
        graph.Output.Add(OnnxGraphBuilder.ValueInfo("y", DataType.Float, [1, 2]));
        graph.Initializer.Add(OnnxGraphBuilder.FloatTensor("w", [1, 2], [0.5f, -2f]));
        graph.Node.Add(OnnxGraphBuilder.Node("Mul", "mul", ["x", "w"], ["y"]));
        var model = new ModelProto { IrVersion = OnnxGraphBuilder.IrVersion, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OnnxGraphBuilder.Opset });
        string path = Path.Combine(_directory, "mul.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        // The descriptor is not read by the session (only the path and precision are); any catalog entry serves.
        return new ResolvedModel(ModelCatalog.Get(ModelCatalog.MobileNetV2Id), Precision.Fp32, path, ModelSource.Generated);
    }

    private static IntPtr Address(float[] pinned) => Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);
}
