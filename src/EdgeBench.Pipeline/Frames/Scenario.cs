namespace EdgeBench.Pipeline.Frames;

/// <summary>The measurement scenarios, named after MLPerf's.</summary>
public enum Scenario
{
    /// <summary>Batch 1, each frame as soon as the previous one is done: the pipeline's own latency.</summary>
    SingleStream,

    /// <summary>Frames paced by a camera into a one-slot newest-wins buffer: latency from capture, drops, deadline misses.</summary>
    Camera,

    /// <summary>Batches back to back at the batch size: throughput.</summary>
    Offline,
}

/// <summary>
/// The scenarios' names on the command line, in edgebench.csv and in benchmark case names (contracts: see
/// docs/design.md), kept in one place so every layer spells them alike.
/// </summary>
public static class ScenarioNames
{
    public const string SingleStream = "single-stream";

    public const string Camera = "camera";

    public const string Offline = "offline";

    /// <summary>The contract name of <paramref name="scenario"/>.</summary>
    public static string ToName(this Scenario scenario) => scenario switch
    {
        Scenario.SingleStream => SingleStream,
        Scenario.Camera => Camera,
        Scenario.Offline => Offline,
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Not a scenario."),
    };

    /// <summary>Parses a contract name (exact, lower case); false for anything else.</summary>
    public static bool TryParse(string? name, out Scenario scenario)
    {
        switch (name)
        {
            case SingleStream:
                scenario = Scenario.SingleStream;
                return true;
            case Camera:
                scenario = Scenario.Camera;
                return true;
            case Offline:
                scenario = Scenario.Offline;
                return true;
            default:
                scenario = default;
                return false;
        }
    }
}
