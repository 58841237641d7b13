using System.Reflection;
using BenchmarkDotNet.Validators;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Every benchmark method declares its stage with one <see cref="StageAttribute"/> and carries no other stage category
/// (dotnet/performance's MandatoryCategoryValidator idea): ratios, the stage column of edgebench.csv and filters by
/// category all depend on it.
/// </summary>
internal sealed class CategoryValidator : IValidator
{
    public bool TreatsWarningsAsErrors => true;

    public IEnumerable<ValidationError> Validate(ValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        return validationParameters.Benchmarks
            .Where(b => b.Descriptor.WorkloadMethod.GetCustomAttribute<StageAttribute>(inherit: true) is not { } stage
                || !Categories.Stages.Contains(stage.Category)
                || b.Descriptor.Categories.Count(Categories.Stages.Contains) != 1)
            .Select(b => b.Descriptor.WorkloadMethod.Name + " of " + b.Descriptor.Type.Name)
            .Distinct()
            .Select(name => new ValidationError(true, $"{name} must declare its stage with exactly one [Stage(...)] naming one of {string.Join(", ", Categories.Stages)}."));
    }
}
