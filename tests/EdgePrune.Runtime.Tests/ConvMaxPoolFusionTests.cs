using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Runtime.Tests.TestGraphs;

namespace EdgePrune.Runtime.Tests;

/// <summary>
/// A stride-1 Conv (with its Relu or Clip) followed by a MaxPool that alone reads it runs as one step that writes the
/// pooled planes straight from the convolution's rows (<see cref="EpbModel.StepCount"/> shows the pool was taken over);
/// the outputs must still equal ONNX Runtime's, over random shapes, pads, pools and sparsities.
/// </summary>
public class ConvMaxPoolFusionTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Conv_then_max_pool_runs_as_one_step_and_matches_OnnxRuntime(int seed)
    {
        var random = new Random(seed);
        bool twoD = random.Next(4) > 0;
        int c = random.Next(1, 5), m = random.Next(1, 11);
        int h = twoD ? random.Next(4, 17) : 1, w = random.Next(4, 40);
        int kh = twoD ? random.Next(1, Math.Min(h, 5) + 1) : 1, kw = random.Next(1, Math.Min(w, 5) + 1);
        int pt = twoD ? random.Next(kh) : 0, pb = twoD ? random.Next(kh) : 0, pl = random.Next(kw), pr = random.Next(kw);
        int convH = h + pt + pb - kh + 1, convW = w + pl + pr - kw + 1;
        int ph = twoD ? random.Next(1, Math.Min(convH, 3) + 1) : 1, pw = random.Next(1, Math.Min(convW, 3) + 1);
        int sh = twoD ? random.Next(1, 4) : 1, sw = random.Next(1, 4);
        if (random.Next(2) == 0)
        {
            // Half the cases pool 2 wide at stride 2 (most CNNs), the path that splits columns into even and odd.
            (pw, sw) = (Math.Min(2, convW), 2);
        }

        double sparsity = new[] { 0.0, 0.5, 0.9 }[random.Next(3)];
        string activation = new[] { "None", "Relu", "Clip" }[random.Next(3)];

        var b = new GraphBuilder(opset: 13, name: "convpool");
        int[] inShape = twoD ? [1, c, h, w] : [1, c, w];
        string x = b.Input("x", DataType.Float, [.. inShape.Select(d => (Dim)d)]);
        int[] kernel = twoD ? [m, c, kh, kw] : [m, c, kw];
        long[] pads = twoD ? [pt, pl, pb, pr] : [pl, pr];
        string y = b.Op("Conv", [x, b.Initializer("w", Pruned(TestTensors.Uniform(random, kernel), sparsity)), b.Initializer("b", TestTensors.Uniform(random, [m]))],
            Attrs(("pads", AttributeValue.Of(pads))));
        y = activation switch
        {
            "Relu" => b.Op("Relu", [y]),
            "Clip" => b.Op("Clip", [y, b.Initializer("lo", Tensor.Scalar(-0.25f)), b.Initializer("hi", Tensor.Scalar(0.5f))]),
            _ => y,
        };
        long[] poolKernel = twoD ? [ph, pw] : [pw];
        long[] poolStrides = twoD ? [sh, sw] : [sw];
        b.Output(b.Op("MaxPool", [y], Attrs(("kernel_shape", AttributeValue.Of(poolKernel)), ("strides", AttributeValue.Of(poolStrides)))));
        var graph = b.Build();

        var input = TestTensors.Uniform(random, inShape);
        var (expected, actual) = RuntimeHarness.RunBoth(graph, input);
        RuntimeHarness.AssertClose(expected, actual);

        // One group and one batch item: the convolution copies its input before writing, so it may always take the pool over.
        var model = RuntimeHarness.Load(graph);
        Assert.Equal(model.NodeCount - 1, model.StepCount);
    }

    [Fact]
    public void A_conv_output_read_by_more_than_the_pool_is_still_written_in_full()
    {
        // The conv's output feeds a MaxPool and a GlobalAveragePool: the pool must not take over, or the average would
        // read a tensor nobody wrote.
        var random = new Random(5);
        var b = new GraphBuilder(opset: 13, name: "shared");
        string x = b.Input("x", DataType.Float, 1, 3, 12, 12);
        string conv = b.Op("Relu", [b.Op("Conv", [x, b.Initializer("w", TestTensors.Uniform(random, [4, 3, 3, 3]))], Attrs(("pads", AttributeValue.Of(1L, 1L, 1L, 1L))))]);
        string pool = b.Op("GlobalAveragePool", [b.Op("MaxPool", [conv], Attrs(("kernel_shape", AttributeValue.Of(2L, 2L)), ("strides", AttributeValue.Of(2L, 2L))))]);
        string average = b.Op("GlobalAveragePool", [conv]);
        b.Output(b.Op("Concat", [pool, average], Attrs(("axis", AttributeValue.Of(1L)))));
        var graph = b.Build();

        var (expected, actual) = RuntimeHarness.RunBoth(graph, TestTensors.Uniform(random, [1, 3, 12, 12]));
        RuntimeHarness.AssertClose(expected, actual);
        var model = RuntimeHarness.Load(graph);
        Assert.Equal(model.NodeCount, model.StepCount);
    }
}
