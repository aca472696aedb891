using System.Globalization;
using System.Text.Json;
using EdgePrune.Core.Devices;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary>
/// Oracle: costs computed by hand for <see cref="TestModels.TwoGemms"/> (N taken as 1, float = 4 bytes):
/// Gemm_0 reads w1 (32) and bias (4): 36 params, 144 bytes, 1·4·8 = 32 MACs, output 16 bytes;
/// Relu_1: output 16 bytes; Gemm_2 reads w2 (16) and the already counted bias: 16 params, 64 bytes,
/// 1·4·4 = 16 MACs. Arena: x (32 bytes, step 0) and Gemm_0's output (steps 0..1) are live together: 48 bytes.
/// </summary>
public sealed class InspectCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Table_shows_hand_computed_costs_per_layer_and_in_total()
    {
        string model = TestModels.Save(TestModels.TwoGemms(), _dir.File("two.onnx"));

        var run = CliRun.Of("inspect", model);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        var lines = run.StdoutLines;
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^0\s+Gemm\s+Gemm_0\s+float\[N, 4\]\s+36\s+32\s+144 B\s+16 B$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^1\s+Relu\s+Relu_1\s+float\[N, 4\]\s+0\s+0\s+0 B\s+16 B$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^2\s+Gemm\s+Gemm_2\s+float\[N, 4\]\s+16\s+16\s+64 B\s+16 B$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+total\s+52\s+48\s+208 B\s+48 B$"));
        Assert.Contains("weights by type: float 208 B", lines);
        Assert.Contains("peak RAM (activation arena): 48 B (48 bytes)", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("device:", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_has_the_documented_fields_with_hand_computed_values()
    {
        string model = TestModels.Save(TestModels.TwoGemms(), _dir.File("two.onnx"));

        var run = CliRun.Of("inspect", model, "--json");

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal(model, root.GetProperty("model").GetString());
        Assert.Equal(17, root.GetProperty("opset").GetInt32());
        var layers = root.GetProperty("layers");
        Assert.Equal(3, layers.GetArrayLength());
        var first = layers[0];
        Assert.Equal("Gemm", first.GetProperty("op").GetString());
        Assert.Equal("Gemm_0", first.GetProperty("name").GetString());
        Assert.Equal(36, first.GetProperty("parameters").GetInt64());
        Assert.Equal(32, first.GetProperty("macs").GetInt64());
        Assert.Equal(144, first.GetProperty("weight_bytes").GetInt64());
        Assert.Equal(16, first.GetProperty("activation_bytes").GetInt64());
        var output = first.GetProperty("outputs")[0];
        Assert.Equal("float", output.GetProperty("type").GetString());
        Assert.Equal("N", output.GetProperty("shape")[0].GetString());
        Assert.Equal(4, output.GetProperty("shape")[1].GetInt32());
        Assert.Equal(16, layers[2].GetProperty("parameters").GetInt64());
        var totals = root.GetProperty("totals");
        Assert.Equal(52, totals.GetProperty("parameters").GetInt64());
        Assert.Equal(48, totals.GetProperty("macs").GetInt64());
        Assert.Equal(208, totals.GetProperty("weight_bytes").GetInt64());
        Assert.Equal(48, totals.GetProperty("activation_bytes").GetInt64());
        Assert.Equal(208, root.GetProperty("weight_bytes_by_type").GetProperty("float").GetInt64());
        Assert.Equal(48, root.GetProperty("peak_arena_bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("device").ValueKind);
    }

    [Fact]
    public void Int64_initializers_are_not_counted_as_weights()
    {
        // y = x + offset on int64: the offset is the kind of constant ONNX uses for shapes and indices.
        var b = new EdgePrune.Core.Ir.GraphBuilder();
        string x = b.Input("x", EdgePrune.Core.Ir.DataType.Int64, 2, 3);
        b.Output(b.Op("Add", [x, b.Initializer("offset", EdgePrune.Core.Ir.Tensor.FromArray(new long[] { 1, 2, 3 }, 3))]));
        string model = TestModels.Save(b.Build(), _dir.File("int64.onnx"));

        var run = CliRun.Of("inspect", model, "--json");

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal(0, doc.RootElement.GetProperty("totals").GetProperty("parameters").GetInt64());
        Assert.Equal(0, doc.RootElement.GetProperty("totals").GetProperty("weight_bytes").GetInt64());
        Assert.Equal(48, doc.RootElement.GetProperty("totals").GetProperty("activation_bytes").GetInt64());
        Assert.Empty(doc.RootElement.GetProperty("weight_bytes_by_type").EnumerateObject());
        // x and y, 48 bytes each, are both live at the only step.
        Assert.Equal(96, doc.RootElement.GetProperty("peak_arena_bytes").GetInt64());
    }

    [Fact]
    public void Device_budget_lines_give_the_excess_and_the_factor()
    {
        string model = TestModels.Save(TestModels.TwoGemms(), _dir.File("two.onnx"));
        string device = WriteProfile("tiny", flashBudget: 200, ramBudget: 64);

        var run = CliRun.Of("inspect", model, "--device", device);

        Assert.Equal(0, run.ExitCode);
        var lines = run.StdoutLines;
        Assert.Contains("device: tiny (Tiny test board)", lines);
        // Flash: 208 bytes of fp32 weights and bias + the runtime code of ep_fully_connected_f32 (124, with its helper
        // finish 64) and ep_relu_f32 (44), from RuntimeCode's measured table: 440 bytes.
        Assert.Contains("  flash: 440 bytes (440 B) of 200 bytes budget: over by 240 bytes (240 B), 2.20x the budget", lines);
        Assert.Contains("  ram:   48 bytes (48 B) of 64 bytes budget: fits, 16 bytes (16 B) to spare, 0.75x the budget", lines);
        Assert.Contains("  verdict: does not fit", lines);
    }

    [Fact]
    public void Device_json_says_it_fits_when_both_budgets_hold()
    {
        string model = TestModels.Save(TestModels.TwoGemms(), _dir.File("two.onnx"));
        string device = WriteProfile("roomy", flashBudget: 880, ramBudget: 48);

        var run = CliRun.Of("inspect", model, "--device", device, "--json");

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var fit = doc.RootElement.GetProperty("device");
        Assert.Equal("roomy", fit.GetProperty("name").GetString());
        Assert.True(fit.GetProperty("fits").GetBoolean());
        // ep_fully_connected_f32 124 + its helper finish 64 + ep_relu_f32 44 (RuntimeCode's measured table).
        Assert.Equal(232, fit.GetProperty("runtime_code_bytes").GetInt64());
        var flash = fit.GetProperty("flash");
        Assert.Equal(208 + 232, flash.GetProperty("used_bytes").GetInt64());
        Assert.Equal(880, flash.GetProperty("budget_bytes").GetInt64());
        Assert.Equal(440, flash.GetProperty("headroom_bytes").GetInt64());
        Assert.Equal(0.5, flash.GetProperty("use_factor").GetDouble());
        var ram = fit.GetProperty("ram");
        Assert.Equal(48, ram.GetProperty("used_bytes").GetInt64());
        Assert.Equal(0, ram.GetProperty("headroom_bytes").GetInt64());
        Assert.True(ram.GetProperty("fits").GetBoolean());
    }

    [Fact]
    public void Unknown_device_is_one_line_and_exit_2()
    {
        string model = TestModels.Save(TestModels.TwoGemms(), _dir.File("two.onnx"));

        var run = CliRun.Of("inspect", model, "--device", _dir.File("no-such-board.json"));

        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.StartsWith("edgeprune: device profile ", run.Stderr);
    }

    private string WriteProfile(string name, long flashBudget, long ramBudget)
    {
        string path = _dir.File(name + ".json");
        File.WriteAllText(path, $$"""
            {
              "name": "{{name}}", "display_name": "{{DisplayName(name)}}", "kind": "mcu",
              "flash_bytes": 4096, "ram_bytes": 1024,
              "model_flash_budget_bytes": {{flashBudget}}, "model_ram_budget_bytes": {{ramBudget}},
              "core": "cortex-m0", "clock_mhz": 48, "word_bits": 32, "fpu": "none", "toolchain": "arm-none-eabi-gcc"
            }
            """);
        return path;
    }

    private static string DisplayName(string name) => char.ToUpperInvariant(name[0]) + name[1..] + " test board";

    [Fact]
    public void ResNet18_on_an_arduino_uno_does_not_fit_and_the_excess_is_stated()
    {
        var uno = DeviceProfiles.Load("arduino-uno");
        // Hand count (see ResNet18Tests): 15,908,800 float parameters. The arena peaks in the stem, where a
        // layer's 64×112×112 float input and output are live together.
        const long weightBytes = 4L * 15_908_800;
        const long arenaBytes = 2L * 4 * 64 * 112 * 112;
        // Runtime code of its ops (Conv, MaxPool, AveragePool, Add, Relu; BatchNorm is folded) from RuntimeCode's table:
        // ep_conv_f32 1,584, ep_max_pool_f32 212 and ep_average_pool_f32 180 sharing bounds 132, ep_add_f32 22 + its run 214, ep_relu_f32 44.
        const long runtimeCode = 1_584 + 212 + 180 + 132 + 22 + 214 + 44;
        long flashExcess = weightBytes + runtimeCode - uno.ModelFlashBudgetBytes;
        long ramExcess = arenaBytes - uno.ModelRamBudgetBytes;

        var run = CliRun.Of("inspect", RealModels.ResNet18, "--device", "arduino-uno");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("  flash:", StringComparison.Ordinal)
            && l.Contains($"over by {flashExcess.ToString("N0", CultureInfo.InvariantCulture)} bytes", StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => l.StartsWith("  ram:", StringComparison.Ordinal)
            && l.Contains($"over by {ramExcess.ToString("N0", CultureInfo.InvariantCulture)} bytes", StringComparison.Ordinal));
        Assert.Contains("  verdict: does not fit", run.StdoutLines);
    }
}
