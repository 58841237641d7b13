namespace EdgeBench.Telemetry;

/// <summary>How every sampler picks the external tool it runs.</summary>
internal static class ToolExecutable
{
    /// <summary>The configured path, else the environment variable, else the default name (looked up on PATH by
    /// the process start).</summary>
    public static string Resolve(string? configured, string environmentVariable, string defaultName,
        Func<string, string?> getEnvironmentVariable)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        string? fromEnvironment = getEnvironmentVariable(environmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? defaultName : fromEnvironment;
    }

    /// <summary>Full path of an existing file: <paramref name="nameOrPath"/> itself when it contains a directory
    /// separator, else the first match on <c>PATH</c>; null when there is none. Used where a missing optional tool
    /// (vcgencmd) must be skipped quietly rather than fail a process start on every poll.</summary>
    public static string? FindOnPath(string nameOrPath, string? pathVariable)
    {
        if (nameOrPath.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || nameOrPath.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(nameOrPath) ? nameOrPath : null;
        }

        foreach (string dir in (pathVariable ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, nameOrPath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
