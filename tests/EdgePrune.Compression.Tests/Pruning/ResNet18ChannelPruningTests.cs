using System.Diagnostics;
using EdgePrune.Compression.Pruning.Structured;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Pruning;

/// <summary>The real ResNet18 (CNTK export) with 30 % of the channels of every dependency group removed.</summary>
public class ResNet18ChannelPruningTests(ITestOutputHelper output)
{
    [Fact]
    public void ResNet18_with_30_percent_of_channels_removed_runs_in_OnnxRuntime_with_the_hand_counted_size()
    {
        var clock = Stopwatch.StartNew();
        var model = OnnxImporter.Load(RealModels.ResNet18);
        var result = StructuredPruner.Prune(model.Graph, new StructuredOptions { Fraction = 0.3f });
        foreach (var group in result.Report.Groups)
        {
            output.WriteLine($"{group.ChannelsBefore,4} → {group.ChannelsAfter,4}  {group.Layers}");
        }

        // Kept widths: 30 % of 64, 128, 256, 512 is 19, 38, 76, 153 channels (floored). The residual width of each
        // stage is one group (tied by the Adds); the last stage's residual reaches the 512 output features and stays.
        var (r1, r2, r3, r4) = (45, 90, 180, 512);
        var (i1, i2, i3, i4) = (45, 90, 180, 359);
        long parameters = 0, macs = 0;
        void Conv(int outputs, int inputs, int kernel, int size)
        {
            parameters += (long)outputs * inputs * kernel * kernel + 4L * outputs; // weights + the BatchNorm after it
            macs += (long)outputs * size * size * inputs * kernel * kernel + (long)outputs * size * size;
        }

        Conv(r1, 3, 7, 112);
        for (int block = 0; block < 2; block++)
        {
            Conv(i1, r1, 3, 56);
            Conv(r1, i1, 3, 56);
        }

        foreach (var (residual, inner, previous, size, blocks) in new[] { (r2, i2, r1, 28, 2), (r3, i3, r2, 14, 2), (r4, i4, r3, 7, 3) })
        {
            Conv(inner, previous, 3, size);
            Conv(residual, inner, 3, size);
            Conv(residual, previous, 1, size);
            for (int block = 1; block < blocks; block++)
            {
                Conv(inner, residual, 3, size);
                Conv(residual, inner, 3, size);
            }
        }

        macs += 512 * 7 * 7; // the final average pool
        output.WriteLine($"parameters {result.Report.ParametersBefore:N0} → {result.Report.ParametersAfter:N0}, MACs {result.Report.MacsBefore:N0} → {result.Report.MacsAfter:N0} ({1 - (double)result.Report.MacsAfter / result.Report.MacsBefore:P1} fewer)");
        Assert.Equal(parameters, result.Report.ParametersAfter);
        Assert.Equal(macs, result.Report.MacsAfter);

        var input = model.Graph.Inputs[0];
        var image = TestTensors.Uniform(new Random(30), input.Type.Shape!.Select(d => (int)(d.Value ?? 1)).ToArray(), 0, 255);
        var feeds = new Dictionary<string, Tensor> { [input.Name] = image };
        string name = model.Graph.Outputs[0].Name;
        var ort = OrtOracle.Run(model with { Graph = result.Graph }, feeds)[name];
        Assert.Equal(OrtOracle.Run(model, feeds)[name].Shape.ToArray(), ort.Shape.ToArray());
        var reference = ReferenceExecutor.Run(result.Graph, feeds)[name];
        Agreement.AssertClose(ort, reference, atol: 1e-3f, rtol: 1e-4f);
        output.WriteLine($"{clock.ElapsedMilliseconds} ms");
    }
}

/// <summary>ResNet18's identity residual blocks replaced by their skip path.</summary>
public class ResNet18LayerPruningTests(ITestOutputHelper output)
{
    [Fact]
    public void ResNet18_without_its_weakest_identity_block_runs_in_OnnxRuntime_and_loses_that_blocks_hand_counted_MACs()
    {
        var model = OnnxImporter.Load(RealModels.ResNet18);
        var result = StructuredPruner.Prune(model.Graph, new StructuredOptions { Fraction = 0.3f, Unit = StructuredUnit.Layers });
        // Identity-skip blocks: 2 in stage 1, 1 in stages 2 and 3, 2 in stage 4 (the first block of stages 2–4 has a
        // 1×1 projection on its skip). 30 % of 6 is one block: two 3×3 Convs and two BatchNorms of one stage.
        Assert.Equal(6, result.Report.Groups.Count);
        Assert.Equal(1, result.Report.Groups.Count(g => g.ChannelsAfter == 0));
        static long Block(int channels, int size) => 2 * ((long)channels * size * size * channels * 9 + (long)channels * size * size);
        long[] candidates = [Block(64, 56), Block(128, 28), Block(256, 14), Block(512, 7)];
        long saved = result.Report.MacsBefore - result.Report.MacsAfter;
        output.WriteLine($"removed {result.Report.Groups.Single(g => g.ChannelsAfter == 0).Layers}: MACs −{saved:N0}, parameters {result.Report.ParametersBefore:N0} → {result.Report.ParametersAfter:N0}");
        Assert.Contains(saved, candidates);
        Assert.Equal(20, result.Graph.Nodes.Count(n => n.OpType == "Conv"));

        var input = model.Graph.Inputs[0];
        var image = TestTensors.Uniform(new Random(31), input.Type.Shape!.Select(d => (int)(d.Value ?? 1)).ToArray(), 0, 255);
        var feeds = new Dictionary<string, Tensor> { [input.Name] = image };
        string name = model.Graph.Outputs[0].Name;
        Assert.Equal([1, 512, 1, 1], OrtOracle.Run(model with { Graph = result.Graph }, feeds)[name].Shape.ToArray());
    }
}
