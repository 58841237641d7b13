namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// A benchmark parameter value that stands for several case dimensions at once, e.g. a level of the SSD
/// optimization ladder implies its model, batch and precision. <see cref="CaseIdentity"/> reads them from the value
/// when the case has no parameter of that name, so edgebench.csv, the FPS columns and telemetry see the real batch.
/// </summary>
internal interface IImpliedCaseParameters
{
    /// <summary>Catalog id of the model.</summary>
    string Model { get; }

    /// <summary>fp32 or fp16.</summary>
    string Precision { get; }

    /// <summary>Frames per call.</summary>
    int Batch { get; }

    /// <summary>
    /// The stage column of edgebench.csv, in place of the method's <see cref="StageAttribute.RowName"/>: it must tell
    /// this case from others with the same model, precision, batch and backend (e.g. <c>ladder-2-on-device</c>).
    /// </summary>
    string StageName { get; }
}
