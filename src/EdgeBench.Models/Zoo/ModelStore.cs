using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeBench.Core;
using EdgeBench.Core.Models;
using EdgeBench.Models.Fp16;
using EdgeBench.Models.Int8;
using EdgeBench.Models.Onnx;
using Onnx;

namespace EdgeBench.Models.Zoo;

/// <summary>A model file ready to load: what it is, where it is, where it came from.</summary>
public sealed record ResolvedModel(ModelDescriptor Descriptor, Precision Precision, string Path, ModelSource Source)
{
    /// <summary>File size in bytes.</summary>
    public long SizeBytes => new FileInfo(Path).Length;
}

/// <summary>One row of <c>models list</c>: a model file that exists, or would be built on first use, or is broken.</summary>
public sealed record ModelListing(string Id, Precision Precision, string Path, ModelSource Source, long? SizeBytes, string? Error);

/// <summary>
/// The <c>models/</c> folder: users' own files first, then the cache of generated and converted files.
/// </summary>
/// <remarks>
/// <para>Resolution of (id, precision), first match wins:</para>
/// <list type="number">
/// <item><c>models/&lt;id&gt;-fp16.onnx</c> (fp16 only), <c>models/&lt;id&gt;-int8.onnx</c> (int8 only): the user's own fp16 or int8 model.</item>
/// <item><c>models/&lt;id&gt;.onnx</c>: the user's own fp32 model; its fp16 and int8 variants are converted from it into the cache.</item>
/// <item>the catalog's model (generated with seeded weights, or the packaged pretrained file) in the cache.</item>
/// </list>
/// <para>The cache lives in <c>models/generated/</c>. Each file has a <c>.stamp</c> beside it holding the key it was
/// built for (generator version, seed, generator assembly identity, or the hash of the user's source file) and the
/// file's length; a file whose stamp does not match is rebuilt. Files are written to a temporary name and renamed, so
/// an interrupted build never leaves a half-written model.</para>
/// <para>A user's model needs <c>models/&lt;id&gt;.json</c> (see <see cref="ModelSidecar"/>) when the catalog does not
/// know the id; for a catalog id the file's input and output names must match the catalog's, or a sidecar says what
/// they are.</para>
/// </remarks>
public sealed class ModelStore
{
    /// <summary>Environment variable that points EdgeBench at another models folder.</summary>
    public const string ModelsDirectoryVariable = "EDGEBENCH_MODELS";

    private const string CacheFolder = "generated";

    private readonly ulong _seed;

    public ModelStore(string directory, ulong seed = ModelCatalog.DefaultSeed)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        _seed = seed;
    }

    /// <summary>The models folder.</summary>
    public string Directory { get; }

    /// <summary>
    /// Builds int8 files (calibration needs an engine and the run's frames, so the caller supplies it); without one,
    /// an int8 model that is not cached under the same key cannot be resolved.
    /// </summary>
    public IInt8Quantizer? Int8Quantizer { get; init; }

    private string CacheDirectory => System.IO.Path.Combine(Directory, CacheFolder);

    /// <summary>
    /// The default models folder: <c>$EDGEBENCH_MODELS</c>, else <c>models/</c> of the EdgeBench checkout that contains
    /// the current directory or the application (found by its EdgeBench.sln), else <c>./models</c>.
    /// </summary>
    public static string DefaultDirectory()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(ModelsDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        string? root = RepositoryRoot.Find();
        return root is null ? System.IO.Path.GetFullPath("models") : System.IO.Path.Combine(root, "models");
    }

    /// <summary>Ids of every model: the catalog's, then users' own models described by a sidecar.</summary>
    public IReadOnlyList<string> ModelIds()
    {
        var ids = ModelCatalog.Ids.ToList();
        if (System.IO.Directory.Exists(Directory))
        {
            foreach (string sidecar in System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal))
            {
                string id = System.IO.Path.GetFileNameWithoutExtension(sidecar);
                if (!ids.Contains(id) && File.Exists(System.IO.Path.Combine(Directory, id + ".onnx")))
                {
                    ids.Add(id);
                }
            }
        }

        return ids;
    }

    /// <summary>The descriptor of <paramref name="id"/>: the catalog's, overridden or supplied by a sidecar.</summary>
    public ModelDescriptor Describe(string id)
    {
        string sidecar = System.IO.Path.Combine(Directory, id + ".json");
        bool known = ModelCatalog.TryGet(id, out ModelDescriptor catalogEntry);
        if (File.Exists(sidecar))
        {
            return ModelSidecar.Read(sidecar, id, known ? catalogEntry : null);
        }

        return known
            ? catalogEntry
            : throw new KeyNotFoundException($"Unknown model id '{id}': not in the catalog ({string.Join(", ", ModelCatalog.Ids)}) and no {sidecar} describes it.");
    }

    /// <summary>
    /// Returns the file for (<paramref name="id"/>, <paramref name="precision"/>), building or converting it into the
    /// cache when needed. A broken user file or sidecar raises <see cref="ModelFileException"/> naming that file.
    /// </summary>
    public ResolvedModel Resolve(string id, Precision precision)
    {
        ModelDescriptor descriptor = Describe(id);
        string userFp32 = System.IO.Path.Combine(Directory, id + ".onnx");
        string userFp16 = System.IO.Path.Combine(Directory, id + "-fp16.onnx");
        string userInt8 = System.IO.Path.Combine(Directory, id + "-int8.onnx");

        if (precision == Precision.Fp16 && File.Exists(userFp16))
        {
            CheckUserModel(userFp16, descriptor);
            return new ResolvedModel(descriptor, precision, userFp16, ModelSource.User);
        }

        if (precision == Precision.Int8 && File.Exists(userInt8))
        {
            CheckUserModel(userInt8, descriptor);
            return new ResolvedModel(descriptor, precision, userInt8, ModelSource.User);
        }

        if (File.Exists(userFp32))
        {
            ModelProto? model = CheckUserModel(userFp32, descriptor);
            if (precision == Precision.Fp32)
            {
                return new ResolvedModel(descriptor, precision, userFp32, ModelSource.User);
            }

            if (precision == Precision.Int8)
            {
                string userInt8Path = CachePath(id, "user-int8");
                EnsureCached(userInt8Path, "user-sha256:" + Sha256(userFp32) + ";int8;" + RequireQuantizer(id).Key,
                    () => RequireQuantizer(id).Quantize(model ?? OnnxFiles.Read(userFp32), descriptor));
                return new ResolvedModel(descriptor, precision, userInt8Path, ModelSource.User);
            }

            string key = "user-sha256:" + Sha256(userFp32);
            string converted = CachePath(id, "user-fp16");
            EnsureCached(converted, key, () => Fp16Converter.Convert(model ?? OnnxFiles.Read(userFp32)));
            return new ResolvedModel(descriptor, precision, converted, ModelSource.User);
        }

        if (!ModelCatalog.TryGet(id, out _))
        {
            throw new ModelFileException(userFp32, "not found; the sidecar describes a model whose .onnx file is missing");
        }

        string fp32Path = CachePath(id, Precision.Fp32.ToName());
        string fp32Key = CatalogKey(id);
        EnsureCached(fp32Path, fp32Key, () => ModelCatalog.Build(id, _seed));
        ModelSource source = ModelCatalog.DefaultSource(id);
        if (precision == Precision.Fp32)
        {
            return new ResolvedModel(descriptor, precision, fp32Path, source);
        }

        if (precision == Precision.Int8)
        {
            string int8Path = CachePath(id, Precision.Int8.ToName());
            EnsureCached(int8Path, fp32Key + ";int8;" + RequireQuantizer(id).Key,
                () => RequireQuantizer(id).Quantize(OnnxFiles.Read(fp32Path), descriptor));
            return new ResolvedModel(descriptor, precision, int8Path, source);
        }

        string fp16Path = CachePath(id, Precision.Fp16.ToName());
        EnsureCached(fp16Path, fp32Key + ";fp16", () => Fp16Converter.Convert(OnnxFiles.Read(fp32Path)));
        return new ResolvedModel(descriptor, precision, fp16Path, source);
    }

    /// <summary>
    /// A file derived from other models (e.g. the fused SSD graph) in the same cache: <c>generated/&lt;name&gt;.onnx</c>,
    /// rebuilt by <paramref name="build"/> whenever <paramref name="key"/> (which must name everything the file depends
    /// on, such as its source file's hash) differs from the stamp's.
    /// </summary>
    internal string EnsureDerived(string name, string key, Func<ModelProto> build)
    {
        string path = System.IO.Path.Combine(CacheDirectory, name + ".onnx");
        EnsureCached(path, key, build);
        return path;
    }

    /// <summary>SHA-256 of a file as lower-case hex, for keys of derived files.</summary>
    internal static string FileHash(string path) => Sha256(path);

    /// <summary>Every (model, precision) with its file, source and size, without building anything.</summary>
    public IReadOnlyList<ModelListing> List()
    {
        var rows = new List<ModelListing>();
        foreach (string id in ModelIds())
        {
            foreach (Precision precision in (Precision[])[Precision.Fp32, Precision.Fp16])
            {
                rows.Add(ListOne(id, precision));
            }
        }

        return rows;
    }

    /// <summary>
    /// Writes <c>&lt;out&gt;/&lt;id&gt;-&lt;precision&gt;.onnx</c> for every model and precision. A model that fails
    /// does not stop the others; its error is returned in place of a path.
    /// </summary>
    public IReadOnlyList<(string Id, Precision Precision, string? Path, string? Error)> Export(
        string outputDirectory, IEnumerable<string>? ids = null)
    {
        System.IO.Directory.CreateDirectory(outputDirectory);
        var results = new List<(string, Precision, string?, string?)>();
        foreach (string id in ids ?? ModelIds())
        {
            foreach (Precision precision in (Precision[])[Precision.Fp32, Precision.Fp16])
            {
                string target = System.IO.Path.Combine(outputDirectory, $"{id}-{precision.ToName()}.onnx");
                try
                {
                    ResolvedModel resolved = Resolve(id, precision);
                    CopyAtomically(resolved.Path, target);
                    results.Add((id, precision, target, null));
                }
                catch (Exception e) when (e is ModelFileException or KeyNotFoundException or IOException or UnauthorizedAccessException or NotSupportedException)
                {
                    results.Add((id, precision, null, e.Message));
                }
            }
        }

        return results;
    }

    private ModelListing ListOne(string id, Precision precision)
    {
        string userFp32 = System.IO.Path.Combine(Directory, id + ".onnx");
        string userFp16 = System.IO.Path.Combine(Directory, id + "-fp16.onnx");
        try
        {
            ModelDescriptor descriptor = Describe(id);
            (string path, ModelSource source) = precision == Precision.Fp16 && File.Exists(userFp16) ? (userFp16, ModelSource.User)
                : File.Exists(userFp32) ? (precision == Precision.Fp32 ? userFp32 : CachePath(id, "user-fp16"), ModelSource.User)
                : (CachePath(id, precision.ToName()), ModelCatalog.DefaultSource(id));
            if (source == ModelSource.User)
            {
                CheckUserModel(precision == Precision.Fp16 && File.Exists(userFp16) ? userFp16 : userFp32, descriptor);
            }

            long? size = File.Exists(path) ? new FileInfo(path).Length : null;
            return new ModelListing(id, precision, path, source, size, null);
        }
        catch (Exception e) when (e is ModelFileException or KeyNotFoundException)
        {
            return new ModelListing(id, precision, precision == Precision.Fp16 && File.Exists(userFp16) ? userFp16 : userFp32,
                ModelSource.User, null, e.Message);
        }
    }

    /// <summary>
    /// Parses a user's model and checks its signature against the descriptor; returns the parsed model so a
    /// conversion need not read it twice.
    /// </summary>
    private static ModelProto CheckUserModel(string path, ModelDescriptor descriptor)
    {
        ModelProto model = OnnxFiles.Read(path);
        string[] inputs = model.Graph.Input.Select(i => i.Name).Except(model.Graph.Initializer.Select(t => t.Name)).ToArray();
        string[] outputs = model.Graph.Output.Select(o => o.Name).ToArray();
        string sidecarHint = $"add {System.IO.Path.ChangeExtension(path.Replace("-fp16.onnx", ".onnx", StringComparison.Ordinal), ".json")} to describe it";
        if (!inputs.Contains(descriptor.Input.Name))
        {
            throw new ModelFileException(path, $"has inputs [{string.Join(", ", inputs)}], expected '{descriptor.Input.Name}'; {sidecarHint}");
        }

        string[] missing = descriptor.Outputs.Select(o => o.Name).Except(outputs).ToArray();
        if (missing.Length > 0)
        {
            throw new ModelFileException(path, $"has outputs [{string.Join(", ", outputs)}], expected [{string.Join(", ", descriptor.Outputs.Select(o => o.Name))}]; {sidecarHint}");
        }

        // A fixed dimension of the file's input that the descriptor contradicts (an NHWC model described as NCHW, or
        // the reverse) would otherwise surface as an engine error in the middle of a run.
        ValueInfoProto input = model.Graph.Input.First(i => i.Name == descriptor.Input.Name);
        if (input.Type?.TensorType?.Shape is { } declared && declared.Dim.Count > 0)
        {
            bool contradicts = declared.Dim.Count != descriptor.Input.Shape.Count
                || declared.Dim.Select((d, i) => d.DimValue > 0 && descriptor.Input.Shape[i] > 0 && d.DimValue != descriptor.Input.Shape[i]).Any(x => x);
            if (contradicts)
            {
                string fileShape = "[" + string.Join(',', declared.Dim.Select(d => d.DimValue > 0 ? d.DimValue.ToString(CultureInfo.InvariantCulture) : "N")) + "]";
                throw new ModelFileException(path, $"input '{descriptor.Input.Name}' is {fileShape} in the file, but the model's description says {descriptor.Input.ShapeText} ({descriptor.Layout.ToString().ToUpperInvariant()}); {sidecarHint}");
            }
        }

        return model;
    }

    private IInt8Quantizer RequireQuantizer(string id) => Int8Quantizer
        ?? throw new InvalidOperationException($"{id} int8: the int8 file is calibrated on the run's frames, and this model store has no quantizer (ModelStore.Int8Quantizer) to build it.");

    private string CatalogKey(string id) =>
        string.Create(CultureInfo.InvariantCulture,
            $"catalog:{id};generator:{ModelCatalog.GeneratorVersion};seed:{_seed};assembly:{typeof(ModelCatalog).Assembly.ManifestModule.ModuleVersionId}");

    private string CachePath(string id, string variant) => System.IO.Path.Combine(CacheDirectory, $"{id}-{variant}.onnx");

    private static void EnsureCached(string path, string key, Func<ModelProto> build)
    {
        string stampPath = path + ".stamp";
        if (File.Exists(path) && File.Exists(stampPath))
        {
            try
            {
                CacheStamp? stamp = JsonSerializer.Deserialize<CacheStamp>(File.ReadAllText(stampPath));
                if (stamp is not null && stamp.Key == key && stamp.Length == new FileInfo(path).Length)
                {
                    return;
                }
            }
            catch (JsonException)
            {
                // A damaged stamp only means the file is rebuilt.
            }
        }

        ModelProto model = build();
        OnnxFiles.WriteAtomically(model, path);
        var written = new CacheStamp { Key = key, Length = new FileInfo(path).Length, Sha256 = Sha256(path) };
        string temporary = stampPath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(written));
        File.Move(temporary, stampPath, overwrite: true);
    }

    private static void CopyAtomically(string source, string target)
    {
        string temporary = target + ".tmp";
        File.Copy(source, temporary, overwrite: true);
        File.Move(temporary, target, overwrite: true);
    }

    private static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private sealed class CacheStamp
    {
        public string Key { get; set; } = string.Empty;

        public long Length { get; set; }

        public string Sha256 { get; set; } = string.Empty;
    }
}

/// <summary>Finds the EdgeBench checkout (the folder holding EdgeBench.sln) from the current directory or the app.</summary>
public static class RepositoryRoot
{
    public const string SolutionFile = "EdgeBench.sln";

    /// <summary>The checkout's root, or null when neither the current directory nor the application lies inside one.</summary>
    public static string? Find()
    {
        foreach (string start in (string[])[System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory])
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, SolutionFile)))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
