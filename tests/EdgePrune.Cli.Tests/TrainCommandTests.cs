using System.Text.Json;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary>
/// <c>edgeprune train</c> and <c>edgeprune finetune</c> in-process: ONNX Runtime runs what they write (the oracle for
/// "the file is a working model"); bad data must be exit 2 with one line and no output file.
/// </summary>
public class TrainCommandTests
{
    private static readonly string Mnist = Path.Combine(RepositoryPaths.Root, "samples", "mnist");
    private static readonly string Images = Path.Combine(Mnist, "train-images-idx3-ubyte.gz");
    private static readonly string Labels = Path.Combine(Mnist, "train-labels-idx1-ubyte.gz");

    [Fact]
    public void Train_writes_a_model_OnnxRuntime_runs_and_a_json_summary()
    {
        using var temp = new TempDirectory();
        string output = temp.File("lenet.onnx");
        var run = CliRun.Of("train", "--arch", "lenet-300-100", "--train", Images, "--labels", Labels, "--epochs", "1", "--batch", "128",
            "--validation", "0.1", "--seed", "3", "-o", output, "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var summary = JsonDocument.Parse(run.Stdout);
        var epoch = summary.RootElement.GetProperty("epochs")[0];
        Assert.True(epoch.GetProperty("validation_accuracy").GetSingle() > 0.8f, run.Stdout);
        Assert.Equal("lenet-300-100", summary.RootElement.GetProperty("arch").GetString());
        var outputs = OrtOracle.Run(File.ReadAllBytes(output), new Dictionary<string, Tensor> { ["input"] = Tensor.Zeros(DataType.Float, 2, 784) });
        Assert.Equal([2, 10], outputs["logits"].Shape.ToArray());
    }

    [Fact]
    public void Finetune_keeps_the_zeros_of_a_pruned_model()
    {
        using var temp = new TempDirectory();
        string dense = temp.File("dense.onnx"), pruned = temp.File("pruned.onnx"), tuned = temp.File("tuned.onnx");
        Assert.Equal(0, CliRun.Of("train", "--arch", "lenet-300-100", "--train", Images, "--labels", Labels, "--epochs", "1", "-o", dense).ExitCode);
        var model = OnnxImporter.Load(dense);
        var initializers = model.Graph.Initializers;
        foreach (var (name, tensor) in model.Graph.Initializers.Where(kv => kv.Value.Rank == 2))
        {
            var data = tensor.ToFloatArray();
            for (int i = 0; i < data.Length; i += 2)
            {
                data[i] = 0;
            }

            initializers = initializers.SetItem(name, Tensor.FromArray(data, tensor.Shape.ToArray()));
        }

        OnnxExporter.Save(model with { Graph = model.Graph with { Initializers = initializers } }, pruned);
        var run = CliRun.Of("finetune", pruned, "--train", Images, "--teacher", dense, "--alpha", "0", "--epochs", "1", "--lr", "1e-3", "-o", tuned);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var result = OnnxImporter.Load(tuned).Graph;
        foreach (var (name, tensor) in result.Initializers.Where(kv => kv.Value.Rank == 2))
        {
            var before = initializers[name].ToFloatArray();
            var after = tensor.ToFloatArray();
            for (int i = 0; i < after.Length; i += 2)
            {
                Assert.Equal(0f, after[i]);
            }

            Assert.Contains(Enumerable.Range(0, after.Length), i => after[i] != before[i]);
        }
    }

    public static TheoryData<string, string, string> BadData => new()
    {
        { "1,2\n3,nan\n", "0\n1\n", "NaN" },
        { "1,2\n3,4\n", "0\n", "labels" },
        { "", "", "" },
        { "1,2\n3,4\n", "0\n-1\n", "label 1 is -1" },
    };

    [Theory]
    [MemberData(nameof(BadData))]
    public void Bad_training_data_is_exit_2_with_one_line_and_no_output(string samples, string labels, string expected)
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("x.csv"), samples);
        File.WriteAllText(temp.File("y.csv"), labels);
        var run = CliRun.Of("train", "--arch", "lenet-300-100", "--train", temp.File("x.csv"), "--labels", temp.File("y.csv"), "-o", temp.File("m.onnx"));
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("m.onnx")));
    }

    [Fact]
    public void Samples_that_do_not_fit_the_architecture_are_exit_2()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("x.csv"), "1,2,3\n4,5,6\n");
        File.WriteAllText(temp.File("y.csv"), "0\n1\n");
        var run = CliRun.Of("train", "--arch", "lenet5", "--train", temp.File("x.csv"), "--labels", temp.File("y.csv"), "-o", temp.File("m.onnx"));
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.Contains("lenet5", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Finetune_with_labels_outside_the_models_classes_is_exit_2()
    {
        using var temp = new TempDirectory();
        string model = temp.File("m.onnx");
        OnnxExporter.Save(new Model { Graph = Training.Architectures.Architecture.Lenet300100(inputs: 2, classes: 3) }, model);
        File.WriteAllText(temp.File("x.csv"), "1,2\n4,5\n");
        File.WriteAllText(temp.File("y.csv"), "0\n7\n");
        var run = CliRun.Of("finetune", model, "--train", temp.File("x.csv"), "--labels", temp.File("y.csv"), "-o", temp.File("out.onnx"));
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.Contains("label 7", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("out.onnx")));
    }
}
