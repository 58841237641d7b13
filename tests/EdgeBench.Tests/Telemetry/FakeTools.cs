using System.Diagnostics;
using System.Globalization;

namespace EdgeBench.Tests.Telemetry;

// A temp folder for fake tool scripts (bash) and fake /proc,/sys trees, with the checks every sampler test needs:
// no process started from the folder may survive. Unix only; callers return early on Windows.
internal sealed class FakeTools : IDisposable
{
    public FakeTools(string prefix)
    {
        Dir = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public static TimeSpan Patience { get; } = TimeSpan.FromSeconds(10);

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    public string WriteScript(string name, string body)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    // Writes a file under the folder, creating parents; written to a temp name and renamed, so a concurrent reader
    // sees the old or the new content, never half of it.
    public string WriteFile(string relativePath, string content)
    {
        string path = Path.Combine(Dir, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, content);
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    // SigIgn in /proc/<pid>/status is a hex mask; SIGINT (2) is bit 1.
    public static bool IsSigintIgnored(int pid)
    {
        string status = Path.Combine("/proc", pid.ToString(CultureInfo.InvariantCulture), "status");
        if (!File.Exists(status))
        {
            return false;
        }

        string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null
            && ulong.TryParse(line["SigIgn:".Length..].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong mask)
            && (mask & 0x2) != 0;
    }

    public void AssertGone(int? pid = null)
    {
        if (pid is { } p)
        {
            Assert.Throws<ArgumentException>(() => Process.GetProcessById(p));
        }

        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        if (pid is { } q)
        {
            Assert.False(Directory.Exists($"/proc/{q}"), $"process {q} still exists");
        }

        // Nothing started from the fake's folder may survive either.
        foreach (string proc in Directory.GetDirectories("/proc"))
        {
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(proc, "cmdline"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            Assert.DoesNotContain(Dir, cmdline, StringComparison.Ordinal);
        }
    }
}
