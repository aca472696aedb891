using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Runtime.Tests;

/// <summary><see cref="EpbModel.RunBatch(ReadOnlyMemory{float}, Memory{float}, int)"/> on one and several threads.</summary>
public class BatchTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Fp32_batch_of_LeNet5_matches_OnnxRuntime_sample_by_sample(int threads)
    {
        var graph = OnnxImporter.Load(RepositoryPaths.SampleModel("lenet5.onnx")).Graph;
        var model = RuntimeHarness.Load(graph);
        const int count = 23;
        int inSize = model.Inputs[0].ElementCount, outSize = model.Outputs[0].ElementCount;
        var inputs = TestTensors.Uniform(new Random(5), [count * inSize]).ToFloatArray();
        var outputs = new float[count * outSize];
        model.RunBatch(inputs, outputs, threads);
        for (int i = 0; i < count; i++)
        {
            var sample = Tensor.FromArray(inputs[(i * inSize)..((i + 1) * inSize)], [1, 1, 28, 28]);
            var expected = OrtOracle.Run(graph, new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = sample })[graph.Outputs[0].Name].ToFloatArray();
            RuntimeHarness.AssertClose(expected, outputs[(i * outSize)..((i + 1) * outSize)]);
        }
    }

    [Fact]
    public void Int8_batch_on_four_threads_gives_the_codes_of_one_run_per_sample()
    {
        var model = EpbModel.Load(RepositoryPaths.SampleModel("gesture-int8.epb"));
        const int count = 41;
        int inSize = model.Inputs[0].ElementCount, outSize = model.Outputs[0].ElementCount;
        var random = new Random(9);
        var inputs = Enumerable.Range(0, count * inSize).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
        var outputs = new sbyte[count * outSize];
        model.RunBatch(inputs, outputs, threads: 4);
        var single = new sbyte[outSize];
        for (int i = 0; i < count; i++)
        {
            model.Run(inputs.AsSpan(i * inSize, inSize), single);
            Assert.Equal(single, outputs[(i * outSize)..((i + 1) * outSize)]);
        }
    }

    [Fact]
    public void One_thread_batch_allocates_nothing_after_warm_up()
    {
        var model = RuntimeHarness.Load(TestGraphs.Mlp(new Random(2), [16, 8, 4], 0.5));
        var inputs = TestTensors.Uniform(new Random(3), [10 * 16]).ToFloatArray();
        var outputs = new float[10 * 4];
        for (int i = 0; i < 3; i++)
        {
            model.RunBatch(inputs, outputs);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            model.RunBatch(inputs, outputs);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_batch_that_is_not_a_whole_number_of_samples_is_refused_with_the_sizes()
    {
        var model = RuntimeHarness.Load(TestGraphs.Mlp(new Random(2), [16, 8, 4], 0.5));
        var error = Assert.Throws<ArgumentException>(() => model.RunBatch(new float[33], new float[8]));
        Assert.Contains("samples of 16", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.RunBatch(new float[32], new float[8], threads: 0));
    }
}
