using EdgePrune.Compression.Quantization;
using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Tests.Quantization;

/// <summary>Mixed precision under a budget (sizes counted by hand from the layer shapes), and unsupported input.</summary>
public class QuantizerErrorsAndMixedPrecisionTests
{
    [Fact]
    public void Mixed_precision_meets_the_budget_by_moving_layers_to_int4()
    {
        var random = new Random(9);
        var graph = TestGraphs.Mlp(random);
        var samples = TestGraphs.Samples(random, 32, [20]);
        // Hand count, dense int8: w1 32·20 = 640, w2 32·24 = 768, w3 24·10 = 240 bytes; scales 4 B per channel
        // (32 + 24 + 10), biases 4 B per channel (32 + 24): 1648 + 264 + 224 = 2136. int4 halves the weights.
        var all8 = Quantizer.Quantize(graph, samples, new QuantizationOptions());
        Assert.Equal(2136, LayerStorage.Of(all8).Sum(l => l.TotalBytes));

        long budget = 2136 - 384; // w2 alone (768 → 384) or w1 + w3 (320 + 120 = 440) must go to int4
        var mixed = Quantizer.Quantize(graph, samples, new QuantizationOptions { Weights = WeightPrecision.Mixed, BudgetBytes = budget });
        var storage = LayerStorage.Of(mixed);
        Assert.True(storage.Sum(l => l.TotalBytes) <= budget);
        Assert.Contains(storage, l => l.Bits == 4);
        Assert.Contains(storage, l => l.Bits == 8);
        Assert.Equal(3, mixed.Sensitivity.Count);
        Assert.All(mixed.Sensitivity.Values, e => Assert.True(e > 0));
    }

    [Fact]
    public void Mixed_precision_without_a_budget_says_to_pass_one()
    {
        var random = new Random(9);
        var e = Assert.Throws<EdgePruneException>(() => Quantizer.Quantize(TestGraphs.Mlp(random), TestGraphs.Samples(random, 4, [20]), new QuantizationOptions { Weights = WeightPrecision.Mixed }));
        Assert.Contains("--budget-bytes", e.Message);
    }

    [Fact]
    public void A_budget_below_all_int4_is_an_error_giving_the_smallest_size()
    {
        var random = new Random(9);
        var e = Assert.Throws<EdgePruneException>(() => Quantizer.Quantize(TestGraphs.Mlp(random), TestGraphs.Samples(random, 4, [20]), new QuantizationOptions { Weights = WeightPrecision.Mixed, BudgetBytes = 100 }));
        Assert.Contains("1312 bytes", e.Message); // 824 int4 weight bytes + 488 for scales and biases
    }

    [Fact]
    public void An_op_without_an_int8_kernel_is_an_error_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 4);
        var y = b.Op("Tanh", [x]);
        b.Output(y);
        var e = Assert.Throws<EdgePruneException>(() => Quantizer.Quantize(b.Build(), Tensor.FromArray(new float[8], 2, 4), new QuantizationOptions()));
        Assert.StartsWith("Tanh 'Tanh_0'", e.Message);
        Assert.Contains("no int8 kernel", e.Message);
    }

    [Fact]
    public void A_MatMul_of_two_activations_is_an_error_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 4);
        var t = b.Op("Relu", [x]);
        var y = b.Op("MatMul", [x, b.Op("Transpose", [t])]);
        b.Output(y);
        var e = Assert.Throws<EdgePruneException>(() => Quantizer.Quantize(b.Build(), Tensor.FromArray(new float[8], 2, 4), new QuantizationOptions()));
        Assert.StartsWith("MatMul 'MatMul_2'", e.Message);
        Assert.Contains("constant", e.Message);
    }
}
