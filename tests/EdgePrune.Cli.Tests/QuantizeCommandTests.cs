using System.Text.Json;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary>
/// <c>edgeprune quantize</c> on real MNIST digits; accuracy is judged by ONNX Runtime on the written QDQ file,
/// the integer executor's argmax by ORT's int8 output.
/// </summary>
public class QuantizeCommandTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly Lazy<Graph> Digits = new(QuantizeTestModels.LeastSquaresDigits);

    [Fact]
    public void Quantize_writes_a_QDQ_model_whose_OnnxRuntime_accuracy_is_within_half_a_point_of_fp32()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(Digits.Value, dir.File("digits.onnx"));
        string output = dir.File("digits.int8.onnx");
        var run = CliRun.Of("quantize", model, "-o", output,
            "--calib", QuantizeTestModels.MnistFile("train-images-idx3-ubyte.gz"), "--calib-samples", "200",
            "--eval", QuantizeTestModels.MnistFile("test-images-idx3-ubyte.gz"), "--labels", QuantizeTestModels.MnistFile("test-labels-idx1-ubyte.gz"),
            "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        log.WriteLine(run.Stdout);
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        var evaluation = root.GetProperty("evaluation");
        Assert.Equal(2000, evaluation.GetProperty("samples").GetInt32());
        double fp32 = evaluation.GetProperty("fp32_accuracy").GetDouble();
        double qdq = evaluation.GetProperty("qdq_accuracy").GetDouble();
        Assert.True(fp32 > 0.85, $"the least-squares model should classify digits: fp32 accuracy {fp32}");
        Assert.True(fp32 - qdq <= 0.005, $"int8 loses {100 * (fp32 - qdq):F2} pt");
        Assert.Equal(2000, evaluation.GetProperty("argmax_agreements").GetInt32());
        Assert.True(evaluation.GetProperty("max_lsb_difference").GetInt32() <= 1);
        Assert.Equal(200, root.GetProperty("calibration").GetProperty("samples").GetInt32());
        var layers = root.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(["Conv+Relu", "Flatten", "Gemm"], layers.Select(l => l.GetProperty("op").GetString()));
        Assert.All(layers.Where(l => l.TryGetProperty("encoding", out _)), l => Assert.Equal(8, l.GetProperty("bits").GetInt32()));

        // The file is a QDQ model ONNX Runtime runs: per-channel int8 weights, int32 bias.
        var qdqModel = Core.Onnx.OnnxImporter.Load(output);
        Assert.Contains(qdqModel.Graph.Nodes, n => n.OpType == "DequantizeLinear" && n.Inputs[0] == "w_quantized" && n.GetInt("axis", 1) == 1);
        Assert.Equal(DataType.Int32, qdqModel.Graph.Initializers["b_quantized"].DataType);
        var image = Tensor.FromArray(new float[784], 1, 1, 28, 28);
        Assert.Equal([1, 10], OrtOracle.Run(File.ReadAllBytes(output), new Dictionary<string, Tensor> { ["image"] = image }).Values.Single().Shape.ToArray());
    }

    [Fact]
    public void Quantize_prints_a_per_layer_table_with_int4_weights()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(Digits.Value, dir.File("digits.onnx"));
        var run = CliRun.Of("quantize", model, "-o", dir.File("out.onnx"), "--calib", QuantizeTestModels.MnistFile("train-images-idx3-ubyte.gz"),
            "--calib-samples", "50", "--bits", "4", "--method", "entropy");
        Assert.True(run.ExitCode == 0, run.Stderr);
        log.WriteLine(run.Stdout);
        Assert.Contains("calibration: entropy on 50 samples", run.Stdout);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("Gemm_3") && l.Contains("   4 "));
        Assert.Contains("calibrating", run.Stderr);
    }

    [Fact]
    public void Quantize_mixed_meets_the_byte_budget()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(Digits.Value, dir.File("digits.onnx"));
        // All int8: Conv 200 + 64, Gemm 5120 + 80 = 5464 bytes; int4 halves the Gemm weights (bitmask or dense ≤ 2560).
        var run = CliRun.Of("quantize", model, "-o", dir.File("out.onnx"), "--calib", QuantizeTestModels.MnistFile("train-images-idx3-ubyte.gz"),
            "--calib-samples", "40", "--bits", "mixed", "--budget-bytes", "4000", "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.True(json.RootElement.GetProperty("quantized_weight_bytes").GetInt64() <= 4000);
        var gemm = json.RootElement.GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "Gemm_3");
        Assert.Equal(4, gemm.GetProperty("bits").GetInt32());
        Assert.Contains("sensitivity of", run.Stderr);
    }

    [Fact]
    public void Quantize_mixed_without_a_budget_exits_2_asking_for_one()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(TestModels.TwoGemms(), dir.File("m.onnx"));
        string calib = dir.File("calib.npy");
        Npy.Write(calib, Tensor.FromArray(new float[16], 2, 8));
        var run = CliRun.Of("quantize", model, "-o", dir.File("out.onnx"), "--calib", calib, "--bits", "mixed");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.Contains("--budget-bytes"));
    }

    [Fact]
    public void Quantize_without_calibration_data_exits_2_saying_what_to_pass()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(TestModels.TwoGemms(), dir.File("m.onnx"));
        var run = CliRun.Of("quantize", model, "-o", dir.File("out.onnx"));
        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.StderrLines);
        Assert.Contains("--calib", line);
        Assert.False(File.Exists(dir.File("out.onnx")));
    }

    [Fact]
    public void Quantize_with_NaN_calibration_data_exits_2_naming_the_file()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(TestModels.TwoGemms(), dir.File("m.onnx"));
        string calib = dir.File("calib.npy");
        var data = new float[16];
        data[9] = float.NaN;
        Npy.Write(calib, Tensor.FromArray(data, 2, 8));
        var run = CliRun.Of("quantize", model, "-o", dir.File("out.onnx"), "--calib", calib);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.Contains(calib) && l.Contains("NaN"));
    }

    [Fact]
    public void Quantize_with_calibration_data_of_the_wrong_shape_exits_2_naming_the_file_and_input()
    {
        using var dir = new TempDirectory();
        string model = TestModels.Save(TestModels.TwoGemms(), dir.File("m.onnx"));
        string calib = dir.File("calib.npy");
        Npy.Write(calib, Tensor.FromArray(new float[21], 3, 7));
        var run = CliRun.Of("quantize", model, "-o", dir.File("out.onnx"), "--calib", calib);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.Contains(calib) && l.Contains("input 'x'"));
    }

    [Fact]
    public void Quantize_of_an_op_without_int8_kernel_exits_2_naming_the_node()
    {
        using var dir = new TempDirectory();
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 8);
        b.Output(b.Op("Tanh", [x]));
        string model = TestModels.Save(b.Build(), dir.File("tanh.onnx"));
        string calib = dir.File("calib.npy");
        Npy.Write(calib, Tensor.FromArray(new float[16], 2, 8));
        var run = CliRun.Of("quantize", model, "-o", dir.File("out.onnx"), "--calib", calib);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.Contains("Tanh 'Tanh_0'") && l.Contains("no int8 kernel"));
    }
}
