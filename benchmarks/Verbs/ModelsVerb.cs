using System.CommandLine;
using System.Globalization;
using EdgeBench.Core;
using EdgeBench.Models.Graph;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>models list [--models DIR]</c> and <c>models export --out DIR [--models DIR]</c>.
/// </summary>
internal static class ModelsVerb
{
    public static Command Create()
    {
        var listModels = ModelsDirectoryOption();
        var list = new Command("list", "Every model and precision: id, file, size, source (generated, pretrained, user), GFLOPs per frame.") { listModels };
        list.SetAction(result => List(OpenStore(result.GetValue(listModels)), result.InvocationConfiguration.Output));

        var exportModels = ModelsDirectoryOption();
        var outDirectory = new Option<string>("--out") { HelpName = "DIR", Description = "where to write the files", Required = true };
        var export = new Command("export", "Writes DIR/<id>-fp32.onnx and DIR/<id>-fp16.onnx for every model.") { outDirectory, exportModels };
        export.SetAction(result => Export(
            OpenStore(result.GetValue(exportModels)),
            result.GetRequiredValue(outDirectory),
            result.InvocationConfiguration.Output,
            result.InvocationConfiguration.Error));

        return new Command("models", "Lists the models or writes their ONNX files.") { list, export };
    }

    private static Option<string?> ModelsDirectoryOption() => new("--models")
    {
        HelpName = "DIR",
        Description = $"the models folder [default: ${ModelStore.ModelsDirectoryVariable}, else models/ of this checkout]",
    };

    private static ModelStore OpenStore(string? directory) => new(directory ?? ModelStore.DefaultDirectory());

    private static int List(ModelStore store, TextWriter output)
    {
        output.WriteLine($"models folder: {store.Directory}");
        output.WriteLine($"{"id",-20} {"precision",-9} {"source",-10} {"size",12} {"GFLOPs",8}  file");
        int errors = 0;
        var builtCounts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ModelListing row in store.List())
        {
            string size = row.Error is not null ? "error"
                : row.SizeBytes is long bytes ? FormatSize(bytes)
                : "not built";
            string gflops = row.Error is not null ? "-" : Gigaflops(row, builtCounts);
            output.WriteLine($"{row.Id,-20} {row.Precision.ToName(),-9} {row.Source.ToString().ToLowerInvariant(),-10} {size,12} {gflops,8}  {Relative(store, row.Path)}");
            if (row.Error is not null)
            {
                errors++;
                output.WriteLine($"    error: {row.Error}");
            }
        }

        output.WriteLine("'not built' files are generated (or converted) on first use, or by 'models export'.");
        output.WriteLine("GFLOPs: per frame, 2 x the multiply-accumulates of Conv/ConvTranspose/Gemm/MatMul counted from the graph " +
            "(elementwise ops, pooling, softmax and NMS not counted; docs/roofline.md).");
        return errors == 0 ? VerbDispatcher.Ok : VerbDispatcher.Error;
    }

    private static int Export(ModelStore store, string outDirectory, TextWriter output, TextWriter error)
    {
        int failures = 0;
        foreach ((string id, Precision precision, string? path, string? problem) in store.Export(outDirectory))
        {
            if (problem is null)
            {
                output.WriteLine($"{id,-20} {precision.ToName(),-5} {FormatSize(new FileInfo(path!).Length),10}  {path}");
            }
            else
            {
                failures++;
                error.WriteLine($"{id,-20} {precision.ToName(),-5} failed: {problem}");
            }
        }

        if (failures > 0)
        {
            error.WriteLine($"models export: {failures} file(s) could not be written; the others were.");
        }

        return failures == 0 ? VerbDispatcher.Ok : VerbDispatcher.Error;
    }

    /// <summary>
    /// FLOPs per frame of a listed file, counted from the file when it exists, else from the catalog's builder (an fp16
    /// file does the same arithmetic as its fp32 source); "?" when the graph cannot be counted (an op whose shapes the
    /// counter cannot infer).
    /// </summary>
    private static string Gigaflops(ModelListing row, Dictionary<string, string> builtCounts)
    {
        try
        {
            if (row.SizeBytes is not null)
            {
                return Format(FlopCounter.CountFile(row.Path));
            }

            if (!ModelCatalog.TryGet(row.Id, out _))
            {
                return "?";
            }

            if (!builtCounts.TryGetValue(row.Id, out string? counted))
            {
                counted = Format(FlopCounter.CountCatalogModel(row.Id));
                builtCounts[row.Id] = counted;
            }

            return counted;
        }
        catch (Exception e) when (e is ModelFileException or NotSupportedException)
        {
            return "?";
        }

        static string Format(FlopCount count) => count.GigaflopsPerFrame.ToString("F2", CultureInfo.InvariantCulture);
    }

    private static string Relative(ModelStore store, string path)
    {
        string relative = Path.GetRelativePath(Path.GetDirectoryName(store.Directory)!, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    internal static string FormatSize(long bytes) =>
        bytes >= 1 << 20
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):F1} MiB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB");
}
