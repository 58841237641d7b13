using BenchmarkDotNet.Attributes;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// The pipeline stage a benchmark method measures, declared on the method itself: it is the method's BenchmarkDotNet
/// category (ratios are computed within a category, so a stage's baseline sits beside it) and names the method's row
/// in edgebench.csv's <c>stage</c> column. <see cref="Variant"/> tells rows of one stage apart, so that a (model, stage,
/// precision, batch, backend) selects exactly one row: <c>[Stage(Categories.Preprocess, "memcpy")]</c> is the
/// <c>preprocess-memcpy</c> row.
/// </summary>
/// <remarks>
/// Deriving from <see cref="BenchmarkCategoryAttribute"/> keeps one declaration per method: BenchmarkDotNet reads the
/// category from it, EdgeBench reads the row name, and nothing else has to list the class's methods.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class StageAttribute : BenchmarkCategoryAttribute
{
    /// <param name="category">One of <see cref="Categories.Stages"/>.</param>
    /// <param name="variant">Suffix of the row name for a baseline, a comparison or another form of the stage.</param>
    public StageAttribute(string category, string? variant = null)
        : base(category)
    {
        Category = category;
        Variant = variant;
    }

    /// <summary>The stage category, e.g. <c>preprocess</c>.</summary>
    public string Category { get; }

    /// <summary>What tells this row from the stage's main one, e.g. <c>scalar-reference</c>; null for the main row.</summary>
    public string? Variant { get; }

    /// <summary>The <c>stage</c> column: <c>category</c> or <c>category-variant</c>.</summary>
    public string RowName => Variant is null ? Category : Category + "-" + Variant;
}
