using EdgePrune.Core.Ir;
using EdgePrune.Core.Trees;
using EdgePrune.Export.Epb;
using EdgePrune.TestSupport;
using static EdgePrune.Runtime.Tests.TestGraphs;

namespace EdgePrune.Runtime.Tests;

/// <summary>
/// Mutated .epb files (bit flips, truncations, fields set to extremes), half of them resealed with correct CRCs so the
/// structural checks behind the CRC are reached too: every case must load and run cleanly or fail with EpbFormatException.
/// </summary>
public class FuzzTests
{
    private static List<byte[]> Seeds()
    {
        var random = new Random(40);
        var seeds = new List<byte[]>
        {
            EpbWriter.Write(Mlp(random, [24, 16, 4], 0.0, softmax: true)).Bytes,
            EpbWriter.Write(Mlp(random, [40, 12, 6], 0.9)).Bytes,
            EpbWriter.Write(Mlp(random, [300, 8], 0.95)).Bytes,
        };
        var twoOfFour = TestTensors.Uniform(random, [16, 8]).ToFloatArray().Select((v, i) => i % 4 < 2 ? 0f : v).ToArray();
        var b = new GraphBuilder(opset: 13);
        string x = b.Input("x", DataType.Float, 1, 2, 9);
        string c = b.Op("Conv", [x, b.Initializer("wc", Pruned(TestTensors.Uniform(random, [4, 2, 3]), 0.5))], Attrs(("pads", AttributeValue.Of(1L, 1L))));
        string p = b.Op("MaxPool", [b.Op("Relu", [c])], Attrs(("kernel_shape", AttributeValue.Of(new long[] { 2 })), ("strides", AttributeValue.Of(new long[] { 2 }))));
        string f = b.Op("Flatten", [p]);
        string g = b.Op("Gemm", [f, b.Initializer("wf", Tensor.FromArray(twoOfFour, 16, 8))]);
        b.Output(b.Op("Add", [g, b.Initializer("k", TestTensors.Uniform(random, [8]))]));
        seeds.Add(EpbWriter.Write(b.Build()).Bytes);

        var q = new EpbQuantization();
        var mlp = Mlp(random, [8, 4], 0);
        q.Activations["x"] = QuantParams.PerTensor(0.01f, 3);
        q.Activations[mlp.Outputs[0].Name] = QuantParams.PerTensor(0.05f, -2);
        q.Weights["w1"] = new QuantizedWeight(Enumerable.Range(0, 32).Select(i => (sbyte)((i % 15) - 7)).ToArray(), [8, 4], new QuantParams([0.1f, 0.2f, 0.3f, 0.4f], [0, 0, 0, 0], 1));
        seeds.Add(EpbWriter.Write(mlp, new EpbWriteOptions { Quantization = q, Labels = ["a", "b", "c", "d"] }).Bytes);

        // Tree ensembles: sparse votes with float thresholds and base values, dense votes with uint8 thresholds, shared vote rows.
        var sparse = RandomEnsembles.Create(random, TreeEnsembleKind.Classifier, features: 6, targets: 4, trees: 3, TreePostTransform.Softmax) with { BaseValues = [0.1f, -0.2f, 0.3f, 0f] };
        seeds.Add(EpbTreeWriter.Write(sparse).Bytes);
        var regressor = RandomEnsembles.Create(random, TreeEnsembleKind.Regressor, features: 300, targets: 2, trees: 4, TreePostTransform.None) with { Aggregate = TreeAggregate.Average };
        var dense = regressor with
        {
            Trees = [.. regressor.Trees.Select(t => t.Map(n => n.IsLeaf
                ? n with { Weights = [new LeafWeight(0, n.Weights[0].Value), new LeafWeight(1, -n.Weights[0].Value)] }
                : n with { Threshold = MathF.Abs(MathF.Round(n.Threshold * 10)) }))],
        };
        seeds.Add(EpbTreeWriter.Write(dense).Bytes);
        var oneHot = RandomEnsembles.Create(random, TreeEnsembleKind.Classifier, features: 20, targets: 3, trees: 5, TreePostTransform.None);
        seeds.Add(EpbTreeWriter.Write(oneHot with
        {
            Trees = [.. oneHot.Trees.Select(t => t.Map(n => n.IsLeaf ? n with { Weights = [.. Enumerable.Range(0, 3).Select(k => new LeafWeight(k, k == n.Weights[0].Target ? 1f : 0f))] } : n))],
        }).Bytes);
        return seeds;
    }

    [Theory]
    [InlineData(2026)]
    [InlineData(7)]
    public void Ten_thousand_mutated_files_fail_only_with_EpbFormatException(int seed)
    {
        var seeds = Seeds();
        foreach (var valid in seeds)
        {
            EpbModel.Load(valid);
        }

        var random = new Random(seed);
        int loaded = 0, rejected = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var original = seeds[i % seeds.Count];
            var file = EpbMutations.Mutate(random, original);
            try
            {
                var model = EpbModel.Load(file);
                loaded++;
                if (model.Inputs.Count == 1 && model.Outputs.Count == 1)
                {
                    // Varied values (NaN among them) so tree walks take both branches of many nodes.
                    var input = Enumerable.Range(0, model.Inputs[0].ElementCount).Select(k => k % 11 == 5 ? float.NaN : (k % 7) - 3f).ToArray();
                    model.Run(input, new float[model.Outputs[0].ElementCount]);
                }
            }
            catch (EpbFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }

        Assert.True(rejected > 5_000, $"only {rejected} of 10,000 mutations were rejected ({loaded} loaded)");
    }
}
