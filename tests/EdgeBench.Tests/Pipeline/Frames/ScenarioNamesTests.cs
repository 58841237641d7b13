using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public class ScenarioNamesTests
{
    [Theory]
    [InlineData(Scenario.SingleStream, "single-stream")]
    [InlineData(Scenario.Camera, "camera")]
    [InlineData(Scenario.Offline, "offline")]
    public void Names_are_the_documented_contract_and_parse_back(Scenario scenario, string name)
    {
        Assert.Equal(name, scenario.ToName());
        Assert.True(ScenarioNames.TryParse(name, out Scenario parsed));
        Assert.Equal(scenario, parsed);
    }

    [Theory]
    [InlineData("SingleStream")]
    [InlineData("server")]
    [InlineData(null)]
    public void Other_names_do_not_parse(string? name) => Assert.False(ScenarioNames.TryParse(name, out _));
}
