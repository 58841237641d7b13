using EdgeBench.Footage;

namespace EdgeBench.Tests.Footage;

/// <summary>
/// A test that needs the ffmpeg executable: reported as skipped, with the reason, where ffmpeg is not on PATH.
/// CI installs it (.ci/run), so there it always runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute()
    {
        if (FfmpegDecoder.Locate() is null)
        {
            Skip = "ffmpeg is not on PATH (apt-get install ffmpeg); video decoding cannot be tested here";
        }
    }
}
