using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace EdgeBench.Telemetry;

/// <summary>What a one-shot tool call (<see cref="ChildProcess.RunOnce"/>) came to.</summary>
/// <param name="StartError">Why the process could not start (missing file, no permission); null when it ran.</param>
/// <param name="TimedOut">It did not exit within the timeout and its process tree was killed.</param>
/// <param name="ExitCode">Its exit code; null when it did not start or was killed.</param>
/// <param name="StandardOutput">Everything it printed on stdout; null when that could not be read in time.</param>
/// <param name="StandardError">Everything it printed on stderr; null when that could not be read in time.</param>
internal sealed record OneShotResult(string? StartError, bool TimedOut, int? ExitCode, string? StandardOutput, string? StandardError)
{
    /// <summary>Exited by itself with code 0 and its stdout was read.</summary>
    public bool Succeeded => ExitCode == 0 && StandardOutput is not null;
}

/// <summary>
/// The one way the samplers start, signal and kill their own child processes, and run a one-shot tool call. Never
/// by name: a kill by name (or <c>tegrastats --stop</c>) would end other tools' instances too.
/// </summary>
/// <remarks>
/// Stopping a long-running tool goes SIGINT, then SIGTERM, then kill (see <see cref="Stop"/>). Signals come first
/// because when a tool runs under <c>sudo</c> only a catchable signal is relayed to it; <see cref="Process.Kill(bool)"/>
/// sends SIGKILL, which would leave a root-owned child running. SIGINT is the tools' documented stop (tegrastats,
/// nvidia-smi's loop); SIGTERM follows because a process started with SIGINT ignored (any background job, e.g. a
/// benchmark run under <c>nohup ... &amp;</c> over SSH) passes that on to its children, which then cannot even trap
/// SIGINT, sudo included, while SIGTERM is never ignored that way.
/// </remarks>
internal static class ChildProcess
{
    private static readonly Lazy<bool> s_sigintIgnored = new(ReadSigintIgnored);

    /// <summary>
    /// Whether this process runs with SIGINT ignored (Linux: the SigIgn mask of /proc/self/status), as a background
    /// job does; its children inherit that and cannot honour SIGINT, so <see cref="Stop"/> goes straight to SIGTERM.
    /// </summary>
    internal static bool SigintIgnoredHere => s_sigintIgnored.Value;

    /// <summary>Starts <paramref name="executable"/> without a shell, stdout and stderr redirected. Null with the
    /// reason in <paramref name="startError"/> when it cannot start (a status, not an exception: a benchmark run
    /// goes on without telemetry).</summary>
    internal static Process? TryStart(string executable, IReadOnlyList<string> arguments, out string? startError)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        for (int attempt = 1; ; attempt++)
        {
            var process = new Process { StartInfo = startInfo };
            try
            {
                process.Start();
                startError = null;
                return process;
            }
            catch (Win32Exception ex) when (ex.NativeErrorCode == TextFileBusy && attempt < TextFileBusyAttempts)
            {
                // ETXTBSY is transient: the file was written moments ago and a process another thread forked since
                // still holds the inherited write descriptor until it execs (a script or power command just created
                // by a setup step, or by a test). Milliseconds later the exec succeeds.
                process.Dispose();
                Thread.Sleep(10 << (attempt - 1)); // 10, 20, 40, 80 ms: 150 ms at most before the error is the status
            }
            catch (Win32Exception ex)
            {
                process.Dispose();
                startError = ex.Message;
                return null;
            }
        }
    }

    /// <summary>Linux errno ETXTBSY ("Text file busy"): exec of a file some process still has open for writing.</summary>
    private const int TextFileBusy = 26;

    private const int TextFileBusyAttempts = 5;

    /// <summary>
    /// Runs a short-lived tool call to completion. Both pipes are drained while it runs, so a chatty failure cannot
    /// block on a full pipe; past <paramref name="timeout"/> its process tree is killed, so a wedged tool (e.g.
    /// vcgencmd on a stuck firmware mailbox) cannot hang the caller.
    /// </summary>
    internal static OneShotResult RunOnce(string executable, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        using Process? process = TryStart(executable, arguments, out string? startError);
        if (process is null)
        {
            return new OneShotResult(startError, TimedOut: false, ExitCode: null, StandardOutput: null, StandardError: null);
        }

        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            KillTree(process);
            return new OneShotResult(null, TimedOut: true, ExitCode: null, StandardOutput: null, StandardError: null);
        }

        // Both pipes are at EOF once the process has exited, unless a grandchild still holds them: bounded wait.
        long drainStart = Stopwatch.GetTimestamp();
        string? output = Drained(stdout, timeout);
        TimeSpan left = timeout - Stopwatch.GetElapsedTime(drainStart);
        string? error = Drained(stderr, left > TimeSpan.Zero ? left : TimeSpan.Zero);
        return new OneShotResult(null, TimedOut: false, process.ExitCode, output, error);
    }

    /// <summary>
    /// Stops a long-running child: SIGINT with half of <paramref name="stopTimeout"/>, then SIGTERM with the rest,
    /// then the whole process tree is killed. SIGINT is skipped (SIGTERM gets all of the time) where
    /// <see cref="SigintIgnoredHere"/>, since the child cannot honour it then.
    /// </summary>
    /// <returns>How the process ended: <see cref="TelemetryStopMethod.AlreadyExited"/>,
    /// <see cref="TelemetryStopMethod.Interrupted"/>, <see cref="TelemetryStopMethod.Terminated"/> or
    /// <see cref="TelemetryStopMethod.Killed"/>.</returns>
    internal static TelemetryStopMethod Stop(Process process, TimeSpan stopTimeout)
    {
        TimeSpan interruptWait = SigintIgnoredHere ? TimeSpan.Zero : stopTimeout / 2;
        if (process.HasExited)
        {
            return TelemetryStopMethod.AlreadyExited;
        }

        if (interruptWait > TimeSpan.Zero && StopWithSignal(process, NativeMethods.SigInt, interruptWait))
        {
            return TelemetryStopMethod.Interrupted;
        }

        if (StopWithSignal(process, NativeMethods.SigTerm, stopTimeout - interruptWait))
        {
            return TelemetryStopMethod.Terminated;
        }

        KillTree(process);
        return TelemetryStopMethod.Killed;
    }

    /// <summary>Kills the whole tree and waits (bounded) for it to go.</summary>
    internal static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill: nothing left to do.
        }
        catch (Win32Exception)
        {
            // Not ours to kill (e.g. a setuid child); the wait below reports whether it is gone.
        }

        process.WaitForExit(TimeSpan.FromSeconds(5));
    }

    // Sends the signal and waits; true when the process has exited (also when it exited just after the wait, or the
    // signal could not be sent because it was already gone).
    private static bool StopWithSignal(Process process, int signal, TimeSpan wait) =>
        (TrySendSignal(process.Id, signal) && process.WaitForExit(wait)) || process.HasExited;

    private static bool TrySendSignal(int pid, int signal)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return NativeMethods.Kill(pid, signal) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    // The task's text when it finished in time; waits on the handle, not Task.Wait, so a faulted read cannot throw.
    private static string? Drained(Task<string> read, TimeSpan wait) =>
        ((IAsyncResult)read).AsyncWaitHandle.WaitOne(wait) && read.IsCompletedSuccessfully ? read.Result : null;

    private static bool ReadSigintIgnored()
    {
        try
        {
            string? line = OperatingSystem.IsLinux()
                ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))
                : null;
            // A hex mask with bit (signal - 1) set per ignored signal.
            return line is not null
                && ulong.TryParse(line.AsSpan("SigIgn:".Length).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong mask)
                && (mask & (1UL << (NativeMethods.SigInt - 1))) != 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
