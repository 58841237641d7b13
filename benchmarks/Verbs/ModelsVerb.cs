using System.Globalization;
using EdgeBench.Core;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>models list [--models DIR]</c> and <c>models export --out DIR [--models DIR]</c>.
/// </summary>
internal static class ModelsVerb
{
    private const string Usage = """
        usage: models list [--models DIR]
               models export --out DIR [--models DIR]
          list    every model and precision: id, file, size, source (generated, pretrained, user)
          export  writes DIR/<id>-fp32.onnx and DIR/<id>-fp16.onnx for every model
          --models DIR  the models folder (default: $EDGEBENCH_MODELS, else models/ of this checkout)
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            (args.Length == 0 ? error : output).WriteLine(Usage);
            return args.Length == 0 ? VerbDispatcher.Error : VerbDispatcher.Ok;
        }

        string verb = args[0];
        string? modelsDirectory = null;
        string? outDirectory = null;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--models" when i + 1 < args.Length:
                    modelsDirectory = args[++i];
                    break;
                case "--out" when i + 1 < args.Length && verb == "export":
                    outDirectory = args[++i];
                    break;
                default:
                    error.WriteLine($"models {verb}: unexpected argument '{args[i]}'.");
                    error.WriteLine(Usage);
                    return VerbDispatcher.Error;
            }
        }

        var store = new ModelStore(modelsDirectory ?? ModelStore.DefaultDirectory());
        switch (verb)
        {
            case "list":
                return List(store, output);
            case "export" when outDirectory is null:
                error.WriteLine("models export: --out DIR is required.");
                return VerbDispatcher.Error;
            case "export":
                return Export(store, outDirectory!, output, error);
            default:
                error.WriteLine($"models: unknown verb '{verb}'; expected list or export.");
                error.WriteLine(Usage);
                return VerbDispatcher.Error;
        }
    }

    private static int List(ModelStore store, TextWriter output)
    {
        output.WriteLine($"models folder: {store.Directory}");
        output.WriteLine($"{"id",-20} {"precision",-9} {"source",-10} {"size",12}  file");
        int errors = 0;
        foreach (ModelListing row in store.List())
        {
            string size = row.Error is not null ? "error"
                : row.SizeBytes is long bytes ? FormatSize(bytes)
                : "not built";
            output.WriteLine($"{row.Id,-20} {row.Precision.ToName(),-9} {row.Source.ToString().ToLowerInvariant(),-10} {size,12}  {Relative(store, row.Path)}");
            if (row.Error is not null)
            {
                errors++;
                output.WriteLine($"    error: {row.Error}");
            }
        }

        output.WriteLine("'not built' files are generated (or converted) on first use, or by 'models export'.");
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
