using EdgeBench.Reporting.Runs;
using EnvironmentInfo = EdgeBench.Reporting.Environment.EnvironmentInfo;

namespace EdgeBench.Reporting.Tables;

/// <summary>The line above every table: which device, power mode, runtimes and commit its numbers come from.</summary>
public static class RunContext
{
    public static string Describe(RunFolder run)
    {
        EnvironmentInfo e = run.Environment;
        string power = e.JetsonPowerMode == EnvironmentInfo.Absent ? "power mode: n/a" : "power mode: " + FirstLine(e.JetsonPowerMode);
        string providers = e.OnnxRuntimeProviders.Count == 0 ? "none listed" : string.Join(", ", e.OnnxRuntimeProviders);
        string dirty = e.GitDirty == true ? " (dirty)" : string.Empty;
        return $"device `{run.DeviceId}` ({e.DeviceModel}), {e.Os}, {power}, {e.DotnetVersion}, ONNX Runtime {e.OnnxRuntimeVersion} " +
            $"[{providers}], commit {e.GitCommit}{dirty}, run {run.RunId}";
    }

    private static string FirstLine(string text)
    {
        string line = text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? text;
        return line.Trim();
    }
}
