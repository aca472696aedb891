using EdgePrune.Core.Ir;
using EdgePrune.Export.Epb;

namespace EdgePrune.Bench;

/// <summary>LeNet-300-100 shaped MLPs (784-300-100-10) with seeded random weights, dense or magnitude-pruned, and their int8 quantization.</summary>
internal static class RuntimeBenchModels
{
    public static readonly int[] Widths = [784, 300, 100, 10];

    /// <summary>
    /// With <paramref name="rowBlocks"/>, weights are pruned in whole blocks of 8 consecutive inputs of one output (4
    /// where the layer's input count is not a multiple of 8: fc2 and fc3), the smallest block L1 norms first; else one
    /// weight at a time.
    /// </summary>
    public static Graph Mlp(double sparsity, int seed = 1, bool rowBlocks = false)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(opset: 13, name: "lenet_300_100");
        string x = b.Input("x", DataType.Float, 1, Widths[0]);
        for (int i = 1; i < Widths.Length; i++)
        {
            var w = new float[Widths[i - 1] * Widths[i]];
            for (int j = 0; j < w.Length; j++)
            {
                w[j] = (float)((random.NextDouble() * 2) - 1) / MathF.Sqrt(Widths[i - 1]);
            }

            if (sparsity > 0 && rowBlocks)
            {
                PruneRowBlocks(w, Widths[i - 1], Widths[i], Widths[i - 1] % 8 == 0 ? 8 : 4, sparsity);
            }
            else if (sparsity > 0)
            {
                float threshold = w.Select(MathF.Abs).Order().ElementAt((int)(w.Length * sparsity));
                w = w.Select(v => MathF.Abs(v) < threshold ? 0f : v).ToArray();
            }

            var bias = Enumerable.Range(0, Widths[i]).Select(_ => (float)(random.NextDouble() * 0.1)).ToArray();
            x = b.Op("Gemm", [x, b.Initializer($"w{i}", Tensor.FromArray(w, Widths[i - 1], Widths[i])), b.Initializer($"b{i}", Tensor.FromArray(bias, Widths[i]))]);
            if (i < Widths.Length - 1)
            {
                x = b.Op("Relu", [x]);
            }
        }

        b.Output(x);
        return b.Build();
    }

    // w is Gemm's [K, N]: a block is w[i, o] for i in [b·width, (b+1)·width) of one output o.
    private static void PruneRowBlocks(float[] w, int k, int n, int width, double sparsity)
    {
        var blocks = new List<(float Norm, int Output, int Block)>();
        for (int o = 0; o < n; o++)
        {
            for (int b = 0; b < k / width; b++)
            {
                float norm = 0;
                for (int i = b * width; i < (b + 1) * width; i++)
                {
                    norm += MathF.Abs(w[(i * n) + o]);
                }

                blocks.Add((norm, o, b));
            }
        }

        foreach (var (_, o, b) in blocks.OrderBy(block => block.Norm).Take((int)(blocks.Count * sparsity)))
        {
            for (int i = b * width; i < (b + 1) * width; i++)
            {
                w[(i * n) + o] = 0;
            }
        }
    }

    /// <summary>
    /// Weights per output channel symmetric, activations per tensor asymmetric from the min/max over seeded calibration
    /// inputs (computed here in plain fp32), as DESIGN.md "Numerics" prescribes.
    /// </summary>
    public static EpbQuantization Quantize(Graph graph, int samples = 32)
    {
        var q = new EpbQuantization();
        var random = new Random(5);
        var gemms = graph.Nodes.Where(n => n.OpType == "Gemm").ToList();
        var ranges = new (float Min, float Max)[gemms.Count + 1];
        ranges[0] = (-1f, 1f);
        for (int s = 0; s < samples; s++)
        {
            var x = Enumerable.Range(0, Widths[0]).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
            for (int l = 0; l < gemms.Count; l++)
            {
                var w = graph.Initializers[gemms[l].Inputs[1]].ToFloatArray();
                var bias = graph.Initializers[gemms[l].Inputs[2]].ToFloatArray();
                int k = Widths[l], n = Widths[l + 1];
                var y = new float[n];
                for (int o = 0; o < n; o++)
                {
                    float acc = bias[o];
                    for (int i = 0; i < k; i++)
                    {
                        acc += x[i] * w[(i * n) + o];
                    }

                    y[o] = l < gemms.Count - 1 ? MathF.Max(0, acc) : acc;
                }

                ranges[l + 1] = (MathF.Min(ranges[l + 1].Min, y.Min()), MathF.Max(ranges[l + 1].Max, y.Max()));
                x = y;
            }
        }

        var values = new List<string> { "x" };
        values.AddRange(gemms.Select((g, l) => l < gemms.Count - 1 ? graph.Nodes[graph.Nodes.IndexOf(g) + 1].Outputs[0] : g.Outputs[0]));
        for (int v = 0; v < values.Count; v++)
        {
            var (lo, hi) = ranges[v];
            lo = MathF.Min(lo, 0);
            hi = MathF.Max(hi, 0);
            float scale = (hi - lo) / 255f;
            q.Activations[values[v]] = QuantParams.PerTensor(scale, (int)MathF.Round(-128 - (lo / scale)));
        }

        for (int l = 0; l < gemms.Count; l++)
        {
            string name = gemms[l].Inputs[1];
            var w = graph.Initializers[name].ToFloatArray();
            int k = Widths[l], n = Widths[l + 1];
            var scales = Enumerable.Range(0, n).Select(o => Enumerable.Range(0, k).Max(i => MathF.Abs(w[(i * n) + o])) / 127f).Select(s => s > 0 ? s : 1f).ToArray();
            var codes = w.Select((v, i) => (sbyte)MathF.Round(v / scales[i % n], MidpointRounding.AwayFromZero)).ToArray();
            q.Weights[name] = new QuantizedWeight(codes, [k, n], new QuantParams(scales, new int[n], 1));
        }

        return q;
    }
}
