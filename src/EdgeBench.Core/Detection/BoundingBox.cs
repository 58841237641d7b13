namespace EdgeBench.Core.Detection;

/// <summary>An axis-aligned box as left, top, right, bottom (relative 0..1 coordinates unless stated otherwise).</summary>
public readonly record struct BoundingBox(float Left, float Top, float Right, float Bottom)
{
    /// <summary>Area; zero for degenerate boxes.</summary>
    public float Area => MathF.Max(0f, Right - Left) * MathF.Max(0f, Bottom - Top);

    /// <summary>Intersection over union with <paramref name="other"/>; 0 when both are empty.</summary>
    public float IoU(in BoundingBox other)
    {
        float w = MathF.Min(Right, other.Right) - MathF.Max(Left, other.Left);
        float h = MathF.Min(Bottom, other.Bottom) - MathF.Max(Top, other.Top);
        if (w <= 0f || h <= 0f)
        {
            return 0f;
        }

        float intersection = w * h;
        float union = Area + other.Area - intersection;
        return union > 0f ? intersection / union : 0f;
    }
}

/// <summary>One detected object: where, which class, how sure, and which batch item it belongs to.</summary>
public readonly record struct Detection(BoundingBox Box, int ClassId, float Score, int BatchIndex = 0);
