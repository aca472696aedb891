using System.Collections.Immutable;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary>Every kind of bad input ends in exit 2 and a message naming the input, never a stack trace.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("inspect")]
    [InlineData("check")]
    public void Missing_file(string command)
    {
        string path = _dir.File("nowhere.onnx");
        AssertOneLine(CliRun.Of(command, path), $"edgeprune: {path}: no such file");
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("check")]
    public void Empty_file(string command)
    {
        string path = _dir.File("empty.onnx");
        File.WriteAllBytes(path, []);
        AssertOneLine(CliRun.Of(command, path), $"edgeprune: {path}: the file is empty");
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("check")]
    public void Random_bytes(string command)
    {
        string path = _dir.File("noise.onnx");
        var bytes = new byte[4096];
        new Random(3).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        AssertOneLine(CliRun.Of(command, path), $"edgeprune: {path}: not ");
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("check")]
    public void Truncated_real_model(string command)
    {
        string path = _dir.File("resnet18-truncated.onnx");
        using (var source = File.OpenRead(RealModels.ResNet18))
        {
            var head = new byte[300_000];
            source.ReadExactly(head);
            File.WriteAllBytes(path, head);
        }

        AssertOneLine(CliRun.Of(command, path), $"edgeprune: {path}: not a valid ONNX file (protobuf decoding failed");
    }

    [Fact]
    public void Tensor_whose_data_does_not_match_its_shape()
    {
        var b = new GraphBuilder();
        string x = b.Input("x", DataType.Float, 1, 3);
        b.Output(b.Op("Gemm", [x, b.Initializer("w", Tensor.Zeros(DataType.Float, 3, 7))]));
        byte[] bytes = OnnxExporter.ToBytes(new Model { Graph = b.Build() });
        // TensorProto.dims is a proto2 repeated int64 (field 1, not packed): 08 03 08 07 encodes [3, 7]; make it [3, 6].
        int at = IndexOfOnly(bytes, [0x08, 0x03, 0x08, 0x07]);
        bytes[at + 3] = 0x06;
        string path = _dir.File("bad-tensor.onnx");
        File.WriteAllBytes(path, bytes);

        AssertOneLine(CliRun.Of("inspect", path), $"edgeprune: {path}: 1 unsupported construct(s): initializer 'w': float tensor of shape [3, 6] needs 72 bytes of data but has 84");
    }

    [Fact]
    public void Graph_with_a_cycle()
    {
        var graph = new Graph
        {
            Inputs = [new ValueInfo("x", TensorType.Of(DataType.Float, 1, 4))],
            Outputs = [new ValueInfo("b", TensorType.Of(DataType.Float, 1, 4))],
            Nodes =
            [
                new Node { Name = "r1", OpType = "Relu", Inputs = ["b"], Outputs = ["a"] },
                new Node { Name = "add", OpType = "Add", Inputs = ["x", "a"], Outputs = ["b"] },
            ],
        };
        string path = TestModels.SaveUnchecked(graph, _dir.File("cycle.onnx"));

        AssertOneLine(CliRun.Of("inspect", path), $"edgeprune: {path}: malformed graph: the graph has a cycle through: Relu 'r1', Add 'add'");
    }

    [Fact]
    public void Dangling_input()
    {
        var graph = new Graph
        {
            Inputs = [new ValueInfo("x", TensorType.Of(DataType.Float, 1, 4))],
            Outputs = [new ValueInfo("y", TensorType.Of(DataType.Float, 1, 4))],
            Nodes = [new Node { Name = "add", OpType = "Add", Inputs = ["x", "nowhere"], Outputs = ["y"] }],
        };
        string path = TestModels.SaveUnchecked(graph, _dir.File("dangling.onnx"));

        AssertOneLine(CliRun.Of("check", path), $"edgeprune: {path}: malformed graph: Add 'add': input 'nowhere' is not produced by any node, graph input or initializer (dangling input)");
    }

    [Fact]
    public void Unsupported_ops_are_all_listed()
    {
        var graph = new Graph
        {
            Inputs = [new ValueInfo("x", TensorType.Of(DataType.Float, 1, 4))],
            Outputs = [new ValueInfo("z", TensorType.Of(DataType.Float, 1, 4))],
            Nodes =
            [
                new Node { Name = "first", OpType = "NoSuchOp", Inputs = ["x"], Outputs = ["y"] },
                new Node { Name = "second", OpType = "Frobnicate", Domain = "com.example", Inputs = ["y"], Outputs = ["z"] },
            ],
            Opsets = ImmutableDictionary<string, int>.Empty.Add("", 17).Add("com.example", 1),
        };
        string path = TestModels.SaveUnchecked(graph, _dir.File("unsupported.onnx"));

        var run = CliRun.Of("inspect", path);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.Equal(
        [
            $"edgeprune: {path}: 2 unsupported construct(s):",
            "  - NoSuchOp 'first': op NoSuchOp is not supported by EdgePrune",
            "  - Frobnicate 'second': op com.example.Frobnicate is not supported by EdgePrune",
        ], run.StderrLines);
    }

    [Fact]
    public void Input_too_large_to_generate()
    {
        var b = new GraphBuilder();
        b.Output(b.Op("Relu", [b.Input("x", DataType.Float, 100_000, 100_000)]));
        string path = TestModels.Save(b.Build(), _dir.File("huge-input.onnx"));

        AssertOneLine(CliRun.Of("check", path), $"edgeprune: {path}: input 'x' (float[100000, 100000]) would take 40000000000 bytes; check generates inputs of at most 1073741824 bytes");
    }

    [Fact]
    public void Unknown_option()
    {
        var run = CliRun.Of("inspect", "model.onnx", "--frobnicate");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("edgeprune: Unrecognized command or argument '--frobnicate'", run.StderrLines[0]);
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    [Fact]
    public void Missing_argument()
    {
        var run = CliRun.Of("check");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("edgeprune: Required argument missing for command: 'check'", run.StderrLines[0]);
        Assert.Contains("Usage:", run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    [Fact]
    public void Bad_option_value()
    {
        var run = CliRun.Of("check", "model.onnx", "--seed", "many");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("many", run.StderrLines[0]);
    }

    [Fact]
    public void Unexpected_exception_is_an_internal_error_with_exit_70()
    {
        var stderr = new StringWriter();

        int code = CommandRunner.Run(stderr, () => throw new InvalidOperationException("invariant broken\nsecond line"));

        Assert.Equal(70, code);
        Assert.Equal("edgeprune: internal error: InvalidOperationException: invariant broken (this is a bug in EdgePrune; set EDGEPRUNE_DEBUG=1 for the stack trace)", stderr.ToString().TrimEnd());
    }

    [Fact]
    public void EdgePruneException_from_any_command_body_is_exit_2()
    {
        var stderr = new StringWriter();

        int code = CommandRunner.Run(stderr, () => throw new EdgePruneException("data.npy: header is truncated"));

        Assert.Equal(2, code);
        Assert.Equal("edgeprune: data.npy: header is truncated", stderr.ToString().TrimEnd());
    }

    private static void AssertOneLine(CliRun run, string expectedStart)
    {
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.DoesNotContain("   at ", run.Stderr);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith(expectedStart, line);
    }

    private static int IndexOfOnly(byte[] bytes, byte[] pattern)
    {
        int first = bytes.AsSpan().IndexOf(pattern);
        Assert.True(first >= 0, "pattern not found");
        Assert.True(bytes.AsSpan(first + 1).IndexOf(pattern) < 0, "pattern found twice");
        return first;
    }
}
