using EdgePrune.Cli;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Export.Tests;

/// <summary><c>edgeprune export --format c</c> end to end, in process: files written, size report, budgets, errors.</summary>
public sealed class ExportCCommandTests
{
    [Fact]
    public void A_model_with_an_op_the_C_runtime_lacks_exits_2_naming_the_node_and_op()
    {
        var builder = new GraphBuilder(17, "hardswish");
        string x = builder.Input("x", DataType.Float, 1, 4);
        builder.Output(builder.Op("HardSwish", [x]));
        string dir = CToolchain.NewDirectory("unsupported");
        string model = Path.Combine(dir, "hardswish.onnx");
        OnnxExporter.Save(new Model { Graph = builder.Build() }, model);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int exit = CommandLine.Run(["export", model, "--format", "c", "-o", Path.Combine(dir, "out")], stdout, stderr);

        Assert.Equal(2, exit);
        Assert.Contains("HardSwish 'HardSwish_0'", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("op HardSwish has no kernel in the EdgePrune C runtime", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public void Strict_export_that_does_not_fit_the_device_exits_3_and_still_writes_the_size_report()
    {
        string dir = CToolchain.NewDirectory("strict");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        // fp32 LeNet-300-100 holds 266,200 weights x 4 bytes: over the Uno's flash budget (devices/arduino-uno.json).
        int exit = CommandLine.Run(["export", RepositoryPaths.SampleModel("lenet-300-100.onnx"), "--format", "c", "-o", dir, "--prefix", "mlp", "--device", "arduino-uno", "--strict"], stdout, stderr);

        Assert.Equal(3, exit);
        Assert.Contains("does not fit arduino-uno", stderr.ToString(), StringComparison.Ordinal);
        string report = File.ReadAllText(Path.Combine(dir, "mlp_size.md"));
        Assert.Contains("DOES NOT FIT", report, StringComparison.Ordinal);
        Assert.Contains("| fc1.weight | float32 | Dense | 940800 |", report, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "mlp_model.h")));
        Assert.Contains("int mlp_invoke(const float *input, float *output);", File.ReadAllText(Path.Combine(dir, "mlp_model.h")), StringComparison.Ordinal);
    }

    [Fact]
    public void Int8_export_with_calibration_fits_the_stm32_and_defines_the_contract_macros()
    {
        string dir = CToolchain.NewDirectory("int8");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int exit = CommandLine.Run(["export", RepositoryPaths.SampleModel("lenet-300-100.onnx"), "--format", "c", "-o", dir, "--calib", RepositoryPaths.Mnist("train-images-idx3-ubyte.gz"), "--calib-samples", "100", "--device", "stm32f446re", "--strict"], stdout, stderr);

        Assert.True(exit == 0, stderr.ToString());
        string header = File.ReadAllText(Path.Combine(dir, "model_model.h"));
        foreach (string macro in new[] { "MODEL_INPUT_SIZE 784", "MODEL_OUTPUT_SIZE 10", "MODEL_ARENA_BYTES ", "MODEL_IS_INT8 1", "MODEL_INPUT_SCALE ", "MODEL_INPUT_ZERO_POINT ", "MODEL_OUTPUT_SCALE ", "MODEL_OUTPUT_ZERO_POINT " })
        {
            Assert.Contains("#define " + macro, header, StringComparison.Ordinal);
        }

        Assert.Contains("int model_invoke(const int8_t *input, int8_t *output);", header, StringComparison.Ordinal);
        Assert.Contains("fits", File.ReadAllText(Path.Combine(dir, "model_size.md")), StringComparison.Ordinal);
    }
}
