namespace EdgeBench.Core.Models;

/// <summary>
/// A named tensor of a model's signature. Dimension 0 is the batch: <see cref="DynamicBatch"/> (-1) where the model
/// accepts any batch size, otherwise the fixed size the model was exported with.
/// </summary>
public sealed record TensorSpec(string Name, IReadOnlyList<long> Shape)
{
    /// <summary>The value of a dynamic batch dimension in <see cref="Shape"/>.</summary>
    public const long DynamicBatch = -1;

    /// <summary>The shape with the batch dimension set to <paramref name="batch"/>.</summary>
    public long[] WithBatch(int batch)
    {
        long[] shape = [.. Shape];
        shape[0] = batch;
        return shape;
    }

    /// <summary>Number of elements of one batch item (all dimensions after the first).</summary>
    public long ElementsPerItem
    {
        get
        {
            long count = 1;
            for (int i = 1; i < Shape.Count; i++)
            {
                count *= Shape[i];
            }

            return count;
        }
    }

    /// <summary>Shape as text, e.g. <c>[N,3,300,300]</c>.</summary>
    public string ShapeText => "[" + string.Join(',', Shape.Select(d => d == DynamicBatch ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
