using System.Reflection;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using EdgeBench.Core;
using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Drops cases that do not exist: those whose method or class declares backends they run on
/// (<see cref="RunsOnAttribute"/>) that the case's backend is not (e.g. device-only inference on a host-copy backend,
/// the SSD ladder on TorchSharp, or the backend-independent C# baselines on torchsharp-cpu, where they would measure
/// the same code again), and the postprocess cases of a model without a postprocess stage (the feature extractor).
/// Cases this machine cannot run are not dropped here but skipped in setup (see <see cref="CaseSkippedException"/>),
/// because a filter also sees the cases the user's --filter excludes.
/// </summary>
internal sealed class CaseFilter : IFilter
{
    private readonly RunSettings _settings = RunSettings.FromEnvironment();

    private readonly Dictionary<Type, string?> _representatives = [];

    /// <summary>The first model a family class runs (its <see cref="Pipeline.PipelineBenchmarks.ModelValues"/>); null for other classes.</summary>
    private string? FamilyRepresentative(Type type)
    {
        Type declared = EdgeBenchmark.DeclaredType(type);
        if (!_representatives.TryGetValue(declared, out string? model))
        {
            model = declared.IsSubclassOf(typeof(Pipeline.PipelineBenchmarks)) && !declared.IsAbstract
                ? ((Pipeline.PipelineBenchmarks)Activator.CreateInstance(declared)!).ModelValues.FirstOrDefault()
                : null;
            _representatives[declared] = model;
        }

        return model;
    }

    public bool Predicate(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        CaseIdentity id = CaseIdentity.Of(benchmarkCase);
        RunsOnAttribute? method = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<RunsOnAttribute>(inherit: true);
        RunsOnAttribute? type = benchmarkCase.Descriptor.Type.GetCustomAttribute<RunsOnAttribute>(inherit: true);
        if (method?.Admits(id.Backend) == false || type?.Admits(id.Backend) == false)
        {
            return false;
        }

        // Scenario cases run under the scenario job and stage cases under the edge job; any other job (--job, a
        // test's dry job) runs both kinds.
        string job = benchmarkCase.Job.Id;
        if ((job == EdgeBenchConfig.ScenarioJobId && !id.IsOneShot) || (job == EdgeBenchConfig.EdgeJobId && id.IsOneShot))
        {
            return false;
        }

        // Cold start, like the scenarios, runs at batch 1 in fp32 unless --batch or --precision names the values:
        // each case launches --cold-starts processes, seconds each on a 2-core board.
        if (id.IsColdStart && ((id.Batch > 1 && !_settings.BatchesExplicit) || (id.Precision != "fp32" && !_settings.PrecisionsExplicit)))
        {
            return false;
        }

        if (id.Scenario is { } scenario && !scenario.Admits(id.Batch))
        {
            return false;
        }

        // The default backend list runs scenarios on ONNX Runtime only: TorchSharp's stage rows already compare the
        // engines (reports/backends.md), and its scenarios would cost the default suite another minute on 2 cores.
        // Naming the backend (--backend torchsharp-cpu) runs them, as it runs TorchSharp fp16.
        // Cold start too: a TorchSharp launch takes 1.4-2.9 s on a quiet 2-core VM (libtorch's load, its first forward
        // pass), three per family would add another 25-40 s to the default suite.
        if (id.IsOneShot && !_settings.BackendsExplicit && !BackendNames.IsOnnxRuntime(id.Backend))
        {
            return false;
        }

        // Without --model, cold start runs for each family's first model only: three launches of every model would
        // cost the default suite minutes on 2 cores; one per family keeps it near half a minute.
        if (id.IsColdStart && _settings.Models.Count == 0 && id.Model != FamilyRepresentative(benchmarkCase.Descriptor.Type))
        {
            return false;
        }

        // Likewise the default batch and precision lists run scenarios at batch 1 in fp32 only
        // (RunSettings.BatchesExplicit, PrecisionsExplicit).
        if (id.Scenario is not null && ((id.Batch > 1 && !_settings.BatchesExplicit) || (id.Precision != "fp32" && !_settings.PrecisionsExplicit)))
        {
            return false;
        }

        // An int8 (QDQ) model takes and gives fp32 tensors, so its to-tensor, preprocess and postprocess cases run the
        // fp32 cases' code on the same data: with fp32 in the run they would measure it twice (about a minute of the
        // default suite on 2 cores). int8 keeps its inference and end-to-end rows.
        if (PrecisionNames.TryParse(id.Precision, out Precision precision) && precision.HostTensors() != precision
            && _settings.Precisions.Contains(precision.HostTensors())
            && id.Stage is Categories.ToTensor or Categories.Preprocess or Categories.Postprocess
            && benchmarkCase.Descriptor.Type.IsSubclassOf(typeof(Pipeline.PipelineBenchmarks)))
        {
            return false;
        }

        // The backend-independent C# baselines (scalar preprocess, memcpy, naive postprocess) measure EdgeBench's own
        // reference code, whose ratio to the vectorized stage hardly depends on the batch: the default batch list runs
        // them at batch 1 only (45 cases and about a minute of the default suite on 2 cores); a named list runs them at
        // every batch.
        if (id.Batch > 1 && !_settings.BatchesExplicit && Pipeline.PipelineBenchmarks.IsReferenceBaseline(benchmarkCase.Descriptor.WorkloadMethod.Name)
            && benchmarkCase.Descriptor.Type.IsSubclassOf(typeof(Pipeline.PipelineBenchmarks)))
        {
            return false;
        }

        // --sustained: the camera scenario of the selected cases, nothing else.
        if (_settings.Sustained is not null && id.Scenario?.Scenario != EdgeBench.Pipeline.Frames.Scenario.Camera)
        {
            return false;
        }

        return !(id.Stage == Categories.Postprocess
            && ModelCatalog.TryGet(id.Model, out ModelDescriptor descriptor)
            && descriptor.Postprocess == PostprocessKind.None);
    }
}
