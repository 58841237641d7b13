using System.Runtime.InteropServices;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Ctrl+C and SIGTERM during a run. The first signal does not kill the process: the running scenario stops at its
/// next batch and keeps the frames it measured (a 10-minute sustained run interrupted at minute 9 still writes nine
/// minutes of trace and timeline), every case not yet started is skipped with the reason, and the run ends as a normal
/// one does (edgebench.csv, reports), with exit code <see cref="ExitCode"/>. A second signal ends the process at once,
/// as it would without EdgeBench (the incremental edgebench.partial.csv still holds the finished cases).
/// </summary>
/// <remarks>
/// Every case runs in this process (the in-process toolchain), so one process-wide token reaches the scenario loop
/// without any plumbing through BenchmarkDotNet. A case of the edge job that is already measuring is not cut short:
/// its iterations last a second or two and a half-measured case would be worth nothing.
/// </remarks>
internal static class RunInterruption
{
    /// <summary>The shell's convention for a process ended by SIGINT (128 + 2).</summary>
    public const int ExitCode = 130;

    /// <summary>The reason skipped cases carry in edgebench.csv.</summary>
    public const string SkipReason = "not run: the run was interrupted (Ctrl+C or SIGTERM) before this case started";

    private static CancellationTokenSource s_source = new();

    /// <summary>Signalled by the first Ctrl+C or SIGTERM after <see cref="Install"/>.</summary>
    public static CancellationToken Token => s_source.Token;

    /// <summary>Whether the run has been interrupted.</summary>
    public static bool Requested => s_source.IsCancellationRequested;

    /// <summary>
    /// Handles SIGINT and SIGTERM until the returned object is disposed, and starts from a fresh (unsignalled) token,
    /// so a test host running several runs in one process starts each one clean.
    /// </summary>
    public static IDisposable Install(TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        s_source = new CancellationTokenSource();
        PosixSignalRegistration[] registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => OnSignal(context, log)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, log)),
        ];
        return new Registrations(registrations);
    }

    /// <summary>What the first signal does (the signal handlers call it).</summary>
    internal static void Request(TextWriter log)
    {
        if (s_source.IsCancellationRequested)
        {
            return;
        }

        log.WriteLine();
        log.WriteLine("// Interrupted: the running scenario keeps the frames it measured, the cases not yet started are skipped, " +
            "then the results are written. Press Ctrl+C again to stop at once.");
        s_source.Cancel();
    }

    private static void OnSignal(PosixSignalContext context, TextWriter log)
    {
        if (s_source.IsCancellationRequested)
        {
            // Second signal: the default action (terminate).
            return;
        }

        context.Cancel = true;
        Request(log);
    }

    private sealed class Registrations(PosixSignalRegistration[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}
