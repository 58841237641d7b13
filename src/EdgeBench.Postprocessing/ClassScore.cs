namespace EdgeBench.Postprocessing;

/// <summary>One classifier answer: class index and softmax probability.</summary>
public readonly record struct ClassScore(int ClassId, float Probability);
