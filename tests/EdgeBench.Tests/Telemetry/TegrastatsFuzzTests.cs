using System.Text;
using System.Text.Json;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Tests.Telemetry;

// The sampler feeds whatever the tool prints to the parser; a parser exception would kill a benchmark run, so the
// contract is "never throws". Seeded so a failure reproduces.
public sealed class TegrastatsFuzzTests
{
    private static readonly string[] Vocabulary =
    [
        "RAM", "SWAP", "IRAM", "CPU", "cpu", "EMC", "EMC_FREQ", "GR3D", "GR3D_FREQ", "MTS", "fg", "bg", "(lfb", "(cached",
        "1/2MB", "0/252kB(lfb", "252kB)", "2x4MB)", "3x512kB)", "6MB)", "[1%@1,off]", "[", "]", "[17%,5%]@408", "[off]",
        "0%", "0%@", "@", "@[", "@[]", "@[1,", "%@[1,2]", "@[1300,1300]", "off", "150", "VDD_IN", "NC", "4940mW/4940mW",
        "1/2/3", "1/2/3/4", "/", "//", "mW/mW", "cpu@34.312C/34.843C", "GPU@-256C", "@C", "x@C", "a@-C", "a@.C", "a@1.C",
        "a@1..2C", "a@--1C", "11-15-2024", "08:38:09", "99999999999", "-1", "%", "%%", "NaN", "Infinity", "1e400",
        "\u0000", "\uFFFF", "\uD800", "é", "１２３",
    ];

    [Fact]
    public void RandomTokenSoup_NeverThrows()
    {
        var rng = new Random(20261126);
        var sb = new StringBuilder();
        for (int n = 0; n < 3000; n++)
        {
            sb.Clear();
            int count = rng.Next(0, 20);
            for (int k = 0; k < count; k++)
            {
                string token = Vocabulary[rng.Next(Vocabulary.Length)];
                if (rng.Next(4) == 0)
                {
                    token = Mutate(token, rng);
                }

                sb.Append(token).Append(rng.Next(6) == 0 ? "\t " : " ");
            }

            AssertNeverThrows(sb.ToString());
        }
    }

    [Fact]
    public void EveryTruncationOfRealLines_NeverThrows()
    {
        foreach (string line in TegrastatsFixtureTests.AllFixtureLines())
        {
            for (int len = 0; len <= line.Length; len++)
            {
                AssertNeverThrows(line[..len]);
                AssertNeverThrows(line[len..]);
            }
        }
    }

    [Fact]
    public void GarbageCharactersAndHugeNumbers_NeverThrow()
    {
        var rng = new Random(42);
        for (int n = 0; n < 1500; n++)
        {
            var chars = new char[rng.Next(0, 300)];
            for (int k = 0; k < chars.Length; k++)
            {
                // Mix of full UTF-16 range (lone surrogates included) and the characters the grammar cares about.
                chars[k] = rng.Next(3) == 0 ? (char)rng.Next(0, 0x10000) : "0123456789%@[],/ xCmWkMB-.()"[rng.Next(28)];
            }

            AssertNeverThrows(new string(chars));
        }

        string huge = new('9', 5000);
        AssertNeverThrows($"RAM {huge}/{huge}MB CPU [{huge}%@{huge}] GR3D_FREQ {huge}%@[{huge},{huge}] zone@{huge}.{huge}C VDD_IN {huge}mW/{huge}mW");
        AssertNeverThrows(new string('@', 100_000));
    }

    private static string Mutate(string token, Random rng)
    {
        if (token.Length == 0)
        {
            return "9";
        }

        int pos = rng.Next(token.Length);
        return rng.Next(3) switch
        {
            0 => token.Remove(pos, 1),
            1 => token.Insert(pos, ((char)rng.Next(32, 127)).ToString()),
            _ => token + token,
        };
    }

    private static void AssertNeverThrows(string line)
    {
        bool ok = TegrastatsParser.TryParse(line, out TegrastatsSample sample);
        Assert.NotNull(sample);
        string json = TegrastatsJson.Format(ok ? sample : null);

        // Whatever parsed must also serialise to valid JSON (a non-finite double would make Utf8JsonWriter throw).
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Equal(ok ? JsonValueKind.Object : JsonValueKind.Null, doc.RootElement.ValueKind);
    }
}
