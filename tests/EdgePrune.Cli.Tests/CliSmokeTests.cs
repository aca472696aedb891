namespace EdgePrune.Cli.Tests;

public class CliSmokeTests
{
    [Fact]
    public void Unknown_option_prints_usage_and_exits_2()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(["--no-such-option"], stdout, stderr);
        Assert.Equal(2, code);
        Assert.Contains("--no-such-option", stderr.ToString());
    }
}
