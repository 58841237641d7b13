using EdgeBench.Benchmarks;
using BenchmarkDotNet.Configs;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// The program as a user runs it, its console captured (the test collections that call it run alone, so nothing
/// else writes there meanwhile).
/// </summary>
internal static class ProgramConsole
{
    public static (int ExitCode, string Output, string Error) Run(string[] args, Func<IConfig, IConfig>? adjustConfig = null)
    {
        TextWriter savedOut = Console.Out;
        TextWriter savedError = Console.Error;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (Program.Run(args, adjustConfig), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
    }
}
