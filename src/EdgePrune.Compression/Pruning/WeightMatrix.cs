using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning;

/// <summary>
/// A prunable weight initializer seen as a matrix of outputs × inputs, whatever its stored layout: Gemm's B is
/// [K, N] or [N, K] (transB), MatMul's B is [K, N], Conv's W is [M, C/group, kH, kW]. For Conv the input index runs
/// channel-fastest (input = position·C + channel) so that N:M groups and block columns span input channels at one
/// kernel position, the layout channel-last sparse kernels read.
/// </summary>
public sealed class WeightMatrix
{
    private readonly int _channels;
    private readonly int _positions;
    private readonly bool _inputMajor;

    private WeightMatrix(Node node, string name, Tensor weights, int outputs, int inputs, bool inputMajor, int channels, int positions)
    {
        Node = node;
        Name = name;
        Weights = weights;
        Outputs = outputs;
        Inputs = inputs;
        _inputMajor = inputMajor;
        _channels = channels;
        _positions = positions;
    }

    /// <summary>The first node reading this weight.</summary>
    public Node Node { get; }

    /// <summary>The initializer's name.</summary>
    public string Name { get; }

    public Tensor Weights { get; }

    public int Outputs { get; }

    public int Inputs { get; }

    /// <summary>Index into the stored tensor of weight (output, input).</summary>
    public int Index(int output, int input)
    {
        if (_positions > 0)
        {
            int position = input / _channels, channel = input % _channels;
            return (output * _channels + channel) * _positions + position;
        }

        return _inputMajor ? input * Outputs + output : output * Inputs + input;
    }

    /// <summary>The float weight initializers of Gemm, MatMul and Conv nodes in <paramref name="graph"/>, each once.</summary>
    public static IReadOnlyList<WeightMatrix> Find(Graph graph)
    {
        var found = new List<WeightMatrix>();
        var seen = new HashSet<string>();
        foreach (var node in graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.Inputs.Length < 2 || !graph.Initializers.TryGetValue(node.Inputs[1], out var w)
                || w.DataType != DataType.Float || !seen.Add(node.Inputs[1]))
            {
                continue;
            }

            var shape = w.Shape;
            var matrix = node.OpType switch
            {
                "Gemm" when shape.Length == 2 => node.GetInt("transB", 0) != 0
                    ? new WeightMatrix(node, node.Inputs[1], w, shape[0], shape[1], inputMajor: false, 0, 0)
                    : new WeightMatrix(node, node.Inputs[1], w, shape[1], shape[0], inputMajor: true, 0, 0),
                "MatMul" when shape.Length == 2 => new WeightMatrix(node, node.Inputs[1], w, shape[1], shape[0], inputMajor: true, 0, 0),
                "Conv" when shape.Length >= 3 => ConvMatrix(node, w),
                _ => null,
            };
            if (matrix is null)
            {
                seen.Remove(node.Inputs[1]);
            }
            else
            {
                found.Add(matrix);
            }
        }

        return found;
    }

    private static WeightMatrix ConvMatrix(Node node, Tensor w)
    {
        var shape = w.Shape;
        int positions = 1;
        for (int i = 2; i < shape.Length; i++)
        {
            positions *= shape[i];
        }

        return new WeightMatrix(node, node.Inputs[1], w, shape[0], shape[1] * positions, inputMajor: false, shape[1], positions);
    }
}
