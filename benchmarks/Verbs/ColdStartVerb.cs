using System.CommandLine;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>coldstart --model ID --precision P --backend B --batch N --threads T</c>: hidden, the child process of a
/// cold-start case (<see cref="ColdStart"/>). Measures this fresh process's way to its first frame's detections and
/// prints one result line; a backend this machine cannot run exits 1 naming why.
/// </summary>
internal static class ColdStartVerb
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Required = true, Description = "model id" };
        var precision = new Option<string>("--precision") { Required = true, Description = "fp32 or fp16" };
        var backend = new Option<string>("--backend") { Required = true, Description = "backend value, e.g. ort-cpu" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 1, Description = "frames per call" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount, Description = "intra-op threads" };
        var command = new Command(ColdStart.VerbName, "Measures one cold start in this process (used by the cold-start cases).")
        {
            model, precision, backend, batch, threads,
        };
        command.Hidden = true;
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            string precisionText = result.GetRequiredValue(precision);
            if (!PrecisionNames.TryParse(precisionText, out Precision parsed))
            {
                error.WriteLine($"{ColdStart.VerbName}: --precision '{precisionText}' is not fp32 or fp16.");
                return VerbDispatcher.Error;
            }

            try
            {
                ColdStartLaunch launch = ColdStart.Measure(result.GetRequiredValue(model), parsed, result.GetRequiredValue(backend),
                    result.GetValue(batch), result.GetValue(threads));
                output.WriteLine(ColdStart.Format(launch));
                return VerbDispatcher.Ok;
            }
            catch (Exception e) when (e is CaseSkippedException or ArgumentException or InvalidOperationException or IOException or NotSupportedException)
            {
                error.WriteLine($"{ColdStart.VerbName}: {e.GetType().Name}: {e.Message}".ReplaceLineEndings(" "));
                return VerbDispatcher.Error;
            }
        });
        return command;
    }
}
