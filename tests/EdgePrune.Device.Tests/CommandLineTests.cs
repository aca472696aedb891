using System.Text;
using EdgePrune.Device.Configuration;
using EdgePrune.Sensors.Actions;

namespace EdgePrune.Device.Tests;

public sealed class CommandLineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("edgeprune-device-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<(int Exit, string Stdout, string Stderr)> Run(params string[] args)
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        int exit = await DeviceCommandLine.RunAsync(args, stdout, stderr);
        return (exit, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString());
    }

    private static void AssertOneLine(string stderr, string expected)
    {
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("edgeprune-device: ", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_simulated_prints_only_whole_json_lines_on_stdout_and_exits_0()
    {
        var (exit, stdout, _) = await Run("run", "--config", SimulatedPi.Config, "--simulate", "generator:9100:20");
        Assert.Equal(0, exit);
        var records = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(OutputRecord.FromJson).ToList();
        Assert.Equal((2000 - 50) / 10 + 1, records.OfType<WindowRecord>().Count());
        Assert.NotEmpty(records.OfType<GestureRecord>());
    }

    [Fact]
    public async Task A_missing_config_is_one_line_and_exit_2()
    {
        var (exit, _, stderr) = await Run("run", "--config", Path.Combine(_folder, "nope.json"));
        Assert.Equal(2, exit);
        AssertOneLine(stderr, "config file not found");
    }

    [Fact]
    public async Task A_config_with_an_unknown_property_is_one_line_naming_it_and_exit_2()
    {
        string config = Path.Combine(_folder, "bad.json");
        File.WriteAllText(config, File.ReadAllText(SimulatedPi.Config).Replace("\"watchModel\"", "\"watchModle\"", StringComparison.Ordinal));
        var (exit, _, stderr) = await Run("run", "--config", config, "--simulate", "generator");
        Assert.Equal(2, exit);
        AssertOneLine(stderr, "watchModle");
    }

    [Fact]
    public async Task A_corrupted_model_is_one_line_and_exit_2()
    {
        string model = Path.Combine(_folder, "broken.epb");
        byte[] bytes = File.ReadAllBytes(SimulatedPi.Model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 3)]);
        var (exit, _, stderr) = await Run("run", "--config", SimulatedPi.Config, "--model", model, "--simulate", "generator");
        Assert.Equal(2, exit);
        AssertOneLine(stderr, "not a valid .epb model");
    }

    [Theory]
    [InlineData("--engine", "tflite", "--engine tflite")]
    [InlineData("--speed", "-3", "--speed -3")]
    [InlineData("--simulate", "generator:x", "generator[:SEED[:SECONDS]]")]
    [InlineData("--frobnicate", "1", "unknown option '--frobnicate'")]
    public async Task A_bad_option_is_one_line_and_exit_2(string option, string value, string expected)
    {
        string[] args = option == "--simulate"
            ? ["run", "--config", SimulatedPi.Config, option, value]
            : ["run", "--config", SimulatedPi.Config, "--simulate", "generator", option, value];
        var (exit, _, stderr) = await Run(args);
        Assert.Equal(2, exit);
        AssertOneLine(stderr, expected);
    }

    [Fact]
    public void Run_request_parses_every_option()
    {
        var request = RunRequest.Parse(["run", "--config", "c.json", "--model", "m.epb", "--simulate", "t.csv", "--engine", "onnxruntime", "--speed", "20", "--mqtt"]);
        Assert.Equal(new RunRequest("c.json", "m.epb", "t.csv", Engine.OnnxRuntime, 20, true), request);
    }
}
