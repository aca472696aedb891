using System.Reflection;
using EdgePrune.Export.Epb;
using EdgePrune.TestSupport;

namespace EdgePrune.Runtime.Tests;

public class RuntimeBehaviourTests
{
    [Fact]
    public void Run_allocates_zero_bytes_after_warm_up()
    {
        var random = new Random(3);
        var model = RuntimeHarness.Load(TestGraphs.Mlp(random, [64, 32, 10], 0.9, softmax: true));
        var input = TestTensors.Uniform(random, [64]).ToFloatArray();
        var output = new float[10];
        model.Run(input, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            model.Run(input, output);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Runtime_assembly_references_only_the_base_library_and_System_Numerics_Tensors()
    {
        var references = typeof(EpbModel).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(references, name => Assert.True(
            name == "System.Numerics.Tensors" || name.StartsWith("System.", StringComparison.Ordinal) || name is "System" or "netstandard" or "mscorlib",
            $"EdgePrune.Runtime references {name}"));
    }

    [Fact]
    public void Metadata_carries_names_shapes_labels_and_the_source_hash()
    {
        var graph = TestGraphs.Mlp(new Random(1), [6, 4], 0);
        byte[] source = [1, 2, 3];
        var model = EpbModel.Load(EpbWriter.Write(graph, new EpbWriteOptions { SourceModel = source, Labels = ["a", "b", "c", "d"] }).Bytes);
        Assert.Equal("x", model.Inputs[0].Name);
        Assert.Equal([1, 6], model.Inputs[0].Shape);
        Assert.Equal([1, 4], model.Outputs[0].Shape);
        Assert.Equal(["a", "b", "c", "d"], model.Labels);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(source), model.SourceSha256.ToArray());
    }

    [Fact]
    public void Writer_picks_a_sparse_encoding_for_a_90_percent_sparse_layer_and_dense_for_a_dense_one()
    {
        var report = EpbWriter.Write(TestGraphs.Mlp(new Random(2), [784, 300], 0.9)).Report;
        var w = Assert.Single(report.Weights, s => s.Tensor == "w1");
        Assert.NotEqual("Dense", w.Encoding);
        Assert.True(w.Bytes < w.DenseBytes * 0.2, $"{w.Encoding} takes {w.Bytes} of {w.DenseBytes} dense bytes");
        var dense = EpbWriter.Write(TestGraphs.Mlp(new Random(2), [784, 300], 0)).Report;
        Assert.Equal("Dense", Assert.Single(dense.Weights, s => s.Tensor == "w1").Encoding);
    }
}
