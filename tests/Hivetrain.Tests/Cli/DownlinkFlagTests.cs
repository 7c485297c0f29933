using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Verbs;

namespace Hivetrain.Tests.Cli;

public sealed class DownlinkFlagTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("off", null)]
    [InlineData("INT8", "int8")]
    [InlineData("topk32of4096+q2", "topk32of4096+q2")]
    public void Downlink_encoding_flag_is_off_or_a_parsed_encoding(string? value, string? expected) =>
        Assert.Equal(expected, AveragerVerb.DownlinkEncoding(value));

    [Fact]
    public void A_bad_downlink_encoding_stops_the_averager_with_the_flag_named()
    {
        var error = Assert.Throws<SettingsException>(() => AveragerVerb.DownlinkEncoding("int7"));
        Assert.Contains("--averager.downlink_encoding", error.Message);
    }
}
