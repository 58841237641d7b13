using EdgeBench.Models.Zoo;

namespace EdgeBench.IntegrationTests.TorchSharp;

/// <summary>One temporary models folder per test class, so each model is generated once for all its tests.</summary>
public sealed class TorchSharpModelsFixture : IDisposable
{
    public TorchSharpModelsFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "edgebench-torchsharp-" + Guid.NewGuid().ToString("N"));
        Store = new ModelStore(Directory);
    }

    public string Directory { get; }

    public ModelStore Store { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
