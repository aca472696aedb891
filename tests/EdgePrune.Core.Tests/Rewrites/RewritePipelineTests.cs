using System.Collections.Immutable;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Rewrites;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Rewrites.RewriteAssert;

namespace EdgePrune.Core.Tests.Rewrites;

public class RewritePipelineTests
{
    [Fact]
    public void Default_pipeline_cleans_an_exported_MLP_and_matches_OnnxRuntime_on_the_original()
    {
        var random = new Random(41);
        var batch = Dim.Named("batch");
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, batch, 8);
        string Constant(Tensor value) => b.Op("Constant", [], Attributes(("value", AttributeValue.Of(value))));

        var input = b.Op("Identity", [x]);
        var product = b.Op("MatMul", [input, b.Initializer("fc1.weight", TestTensors.Uniform(random, [8, 16]))]);
        var linear = b.Op("Add", [product, Constant(TestTensors.Uniform(random, [16]))]);
        var bn = b.Op("BatchNormalization",
        [
            linear,
            Constant(TestTensors.Uniform(random, [16], 0.5f, 1.5f)),
            Constant(TestTensors.Uniform(random, [16])),
            Constant(TestTensors.Uniform(random, [16])),
            Constant(TestTensors.Uniform(random, [16], 0.5f, 1.5f)),
        ]);
        var dropped = b.Op("Dropout", [bn, Constant(Tensor.Scalar(0.1f))]);
        var mean = b.Op("ReduceMean", [dropped], Attributes(("axes", AttributeValue.Of(new[] { -1L }))));
        var diff = b.Op("Sub", [dropped, mean]);
        var variance = b.Op("ReduceMean", [b.Op("Pow", [diff, Constant(Tensor.Scalar(2f))])], Attributes(("axes", AttributeValue.Of(new[] { -1L }))));
        var deviation = b.Op("Sqrt", [b.Op("Add", [variance, Constant(Tensor.Scalar(1e-5f))])]);
        var normalized = b.Op("Add", [b.Op("Mul", [b.Op("Div", [diff, deviation]), Constant(TestTensors.Uniform(random, [16]))]), Constant(TestTensors.Uniform(random, [16]))]);
        var logits = b.Op("Gemm", [b.Op("Relu", [normalized]), b.Initializer("fc2.weight", TestTensors.Uniform(random, [16, 4]))]);
        var y = b.Op("Identity", [logits]);
        b.Output(y, Float(batch, 4));
        var graph = b.Build() with
        {
            ValueTypes = ImmutableDictionary<string, TensorType>.Empty.Add(bn, Float(batch, 16)).Add(dropped, Float(batch, 16)),
        };

        var rewritten = RewritePipeline.Default.Apply(graph);

        Assert.Equal(["Gemm", "LayerNormalization", "Relu", "Gemm"], OpTypes(rewritten));
        Assert.Equal(y, Assert.Single(rewritten.Nodes[^1].Outputs));
        Assert.Equal(5, rewritten.Initializers.Count); // folded fc1 weight and bias, LayerNorm scale and bias, fc2 weight
        Assert.All(rewritten.Initializers.Keys, name => Assert.Contains(rewritten.Nodes, n => n.Inputs.Contains(name)));
        Assert.Same(rewritten, RewritePipeline.Default.Apply(rewritten));
        OutputsAgreeInOnnxRuntime(graph, rewritten, new Dictionary<string, Tensor> { [x] = TestTensors.Uniform(random, [3, 8]) });
    }

    [Fact]
    public void A_pass_that_never_settles_is_stopped_after_MaxRounds()
    {
        var restless = new RestlessPass();
        var pipeline = new RewritePipeline([restless], maxRounds: 3);
        var graph = new Graph { Outputs = [new ValueInfo("x", Float(1))], Inputs = [new ValueInfo("x", Float(1))] };

        pipeline.Apply(graph);

        Assert.Equal(3, restless.Calls);
    }

    /// <summary>Returns a copy every time, as a buggy pass pair that undoes each other's work would.</summary>
    private sealed class RestlessPass : IGraphPass
    {
        public int Calls { get; private set; }

        public string Name => "restless";

        public Graph Apply(Graph graph)
        {
            Calls++;
            return graph with { };
        }
    }
}
