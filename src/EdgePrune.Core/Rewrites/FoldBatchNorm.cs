using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Folds an inference BatchNormalization into the Conv or Gemm that feeds it. With
/// s = scale / sqrt(var + epsilon), BN(y) = s·(y − mean) + bias is affine per channel, so
/// <list type="bullet">
/// <item>Conv (any group count: output channel m always owns row m of W): W'[m] = s[m]·W[m], B' = s·(B − mean) + bias;</item>
/// <item>Gemm, channels = columns N of Y = alpha·A·B + beta·C: B scaled per output column (its columns when
/// transB = 0, its rows when transB = 1), C' = s·(beta·C − mean) + bias with beta' = 1.</item>
/// </list>
/// The folded weights are computed in double and stored under new names (the old ones may be shared with
/// another node; RemoveUnusedNodes drops them when they are not). Results differ from the unfolded graph
/// by float rounding only (about 1 ulp of the output).
/// <para>
/// Refuses (leaves the BN) when: the BN is in training mode or not spatial, its running statistics outputs
/// are read, its parameters are not constants; the producer's output has another reader or is a graph
/// output; the producer's weights or bias are not constants; a Gemm's C varies along M (folding would
/// need M, which may be a batch size).
/// </para>
/// </summary>
public sealed class FoldBatchNorm : IGraphPass
{
    public string Name => "fold-batchnorm";

    public Graph Apply(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var index = new GraphIndex(graph);
        var replaced = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        var removed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var newInitializers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var vanished = new List<string>();
        foreach (var bn in graph.Nodes)
        {
            if (bn is not { OpType: "BatchNormalization", Domain: "" } || Statistics.Of(index, bn) is not { } stats
                || index.Producer(bn.Inputs[0]) is not { Domain: "" } producer || index.SoleConsumer(bn.Inputs[0]) is null)
            {
                continue;
            }

            var folded = producer.OpType switch
            {
                "Conv" => FoldIntoConv(index, producer, stats, newInitializers),
                "Gemm" => FoldIntoGemm(index, producer, stats, newInitializers),
                _ => null,
            };
            if (folded is not null)
            {
                replaced[producer] = folded with { Outputs = [bn.Outputs[0]] };
                removed.Add(bn);
                vanished.Add(bn.Inputs[0]);
            }
        }

        if (removed.Count == 0)
        {
            return graph;
        }

        var nodes = graph.Nodes.Where(n => !removed.Contains(n)).Select(n => replaced.GetValueOrDefault(n, n));
        return graph with
        {
            Nodes = [.. nodes],
            Initializers = graph.Initializers.SetItems(newInitializers),
            ValueTypes = graph.ValueTypes.RemoveRange(vanished),
        };
    }

    private static Node? FoldIntoConv(GraphIndex index, Node conv, Statistics stats, Dictionary<string, Tensor> newInitializers)
    {
        if (conv.Inputs.Length < 2 || ConstantValues.Find(index, conv.Inputs[1]) is not { DataType: DataType.Float, Rank: >= 3 } w
            || w.Shape[0] != stats.Channels || BiasOf(index, conv.OptionalInput(2), stats.Channels) is not { } bias)
        {
            return null;
        }

        int perChannel = w.ElementCount / stats.Channels;
        var source = w.Span<float>();
        var weights = new float[w.ElementCount];
        var newBias = new float[stats.Channels];
        for (int m = 0; m < stats.Channels; m++)
        {
            for (int i = m * perChannel; i < (m + 1) * perChannel; i++)
            {
                weights[i] = (float)(stats.Scale[m] * source[i]);
            }

            newBias[m] = (float)(stats.Scale[m] * (bias[m] - stats.Mean[m]) + stats.Bias[m]);
        }

        string wName = Add(index, newInitializers, conv.Name + "_W_bnfolded", Tensor.FromArray(weights, w.Shape.ToArray()));
        string bName = Add(index, newInitializers, conv.Name + "_B_bnfolded", Tensor.FromArray(newBias, stats.Channels));
        return conv with { Inputs = [conv.Inputs[0], wName, bName] };
    }

    private static Node? FoldIntoGemm(GraphIndex index, Node gemm, Statistics stats, Dictionary<string, Tensor> newInitializers)
    {
        long transB = gemm.GetInt("transB", 0);
        if (transB is not (0 or 1) || ConstantValues.Find(index, gemm.Inputs[1]) is not { DataType: DataType.Float, Rank: 2 } b
            || b.Shape[transB == 1 ? 0 : 1] != stats.Channels || BiasOf(index, gemm.OptionalInput(2), stats.Channels) is not { } c)
        {
            return null;
        }

        int n = stats.Channels;
        int k = b.ElementCount / n;
        float beta = gemm.GetFloat("beta", 1f);
        var source = b.Span<float>();
        var weights = new float[b.ElementCount];
        for (int row = 0; row < k; row++)
        {
            for (int col = 0; col < n; col++)
            {
                // transB = 0: B is [K, N]; transB = 1: B is [N, K].
                int i = transB == 1 ? col * k + row : row * n + col;
                weights[i] = (float)(stats.Scale[col] * source[i]);
            }
        }

        var newC = new float[n];
        for (int col = 0; col < n; col++)
        {
            newC[col] = (float)(stats.Scale[col] * (beta * c[col] - stats.Mean[col]) + stats.Bias[col]);
        }

        string bName = Add(index, newInitializers, gemm.Name + "_B_bnfolded", Tensor.FromArray(weights, b.Shape.ToArray()));
        string cName = Add(index, newInitializers, gemm.Name + "_C_bnfolded", Tensor.FromArray(newC, n));
        return gemm.WithAttribute("beta", AttributeValue.Of(1f)) with { Inputs = [gemm.Inputs[0], bName, cName] };
    }

    /// <summary>
    /// The producer's bias as one value per channel: zeros when absent; null when it is not a float constant
    /// or varies along anything but the channel (last) axis.
    /// </summary>
    private static double[]? BiasOf(GraphIndex index, string? name, int channels)
    {
        if (name is null)
        {
            return new double[channels];
        }

        if (ConstantValues.Find(index, name) is not { DataType: DataType.Float } bias || bias.Rank > 2)
        {
            return null;
        }

        var shape = bias.Shape;
        for (int d = 0; d < shape.Length - 1; d++)
        {
            if (shape[d] != 1)
            {
                return null;
            }
        }

        int last = shape.Length == 0 ? 1 : shape[^1];
        if (last != 1 && last != channels)
        {
            return null;
        }

        var values = bias.Span<float>();
        var perChannel = new double[channels];
        for (int m = 0; m < channels; m++)
        {
            perChannel[m] = values[last == 1 ? 0 : m];
        }

        return perChannel;
    }

    private static string Add(GraphIndex index, Dictionary<string, Tensor> newInitializers, string stem, Tensor value)
    {
        string name = index.FreshName(stem);
        newInitializers[name] = value;
        return name;
    }

    /// <summary>A BatchNormalization reduced to its per-channel affine map s·(y − mean) + bias.</summary>
    private sealed record Statistics(int Channels, double[] Scale, double[] Mean, double[] Bias)
    {
        public static Statistics? Of(GraphIndex index, Node bn)
        {
            // spatial = 0 (opset < 9) keeps per-element statistics; training_mode (opset ≥ 14) uses batch statistics.
            if (bn.Inputs.Length != 5 || bn.GetInt("spatial", 1) != 1 || bn.GetInt("training_mode", 0) != 0
                || bn.Outputs.Skip(1).Any(o => o.Length > 0 && index.IsUsed(o)))
            {
                return null;
            }

            var parameters = bn.Inputs.Skip(1).Select(name => ConstantValues.Find(index, name)).ToArray();
            if (parameters.Any(p => p is not { DataType: DataType.Float, Rank: 1 }) || parameters.Select(p => p!.ElementCount).Distinct().Count() != 1)
            {
                return null;
            }

            double epsilon = bn.GetFloat("epsilon", 1e-5f);
            var gamma = parameters[0]!.Span<float>();
            var beta = parameters[1]!.Span<float>();
            var mean = parameters[2]!.Span<float>();
            var variance = parameters[3]!.Span<float>();
            int channels = gamma.Length;
            var scale = new double[channels];
            for (int c = 0; c < channels; c++)
            {
                scale[c] = gamma[c] / Math.Sqrt(variance[c] + epsilon);
            }

            return new Statistics(channels, scale, [.. mean.ToArray().Select(v => (double)v)], [.. beta.ToArray().Select(v => (double)v)]);
        }
    }
}
