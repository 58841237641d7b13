using System.Globalization;
using BenchmarkDotNet.Running;
using EdgeBench.Core;
using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>Bytes of a case's model input, derived from its parameters without running it.</summary>
internal static class ThroughputInfo
{
    /// <summary>Model input bytes for one call: batch x C x H x W x element size; null when the model is unknown.</summary>
    public static long? InputBytes(BenchmarkCase benchmarkCase)
    {
        CaseIdentity id = CaseIdentity.Of(benchmarkCase);
        if (!ModelCatalog.TryGet(id.Model, out ModelDescriptor model) || !PrecisionNames.TryParse(id.Precision, out Precision precision))
        {
            return null;
        }

        // The catalog's fp16 files take fp16 input (the converter's default), so the element size follows precision.
        long elementSize = precision == Precision.Fp16 ? 2 : 4;
        return id.Batch * model.Input.ElementsPerItem * elementSize;
    }

    public static string Format(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
