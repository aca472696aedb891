using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// BatchNormalization in inference mode: Y = scale · (X − mean) / √(var + ε) + B per channel of [N, C, D1…].
/// ONNX Operators.md#BatchNormalization: opsets 7–8 carry 'spatial' (0 = one statistic per element of
/// [C, D1…], which EdgePrune also runs); opset 14 adds training_mode. The running-statistics outputs exist
/// only in training, which EdgePrune does not run, so a model that reads them is reported at load.
/// </summary>
public sealed class BatchNormalization : Operator
{
    public override string OpType => "BatchNormalization";
    public override int MinInputs => 5;
    public override int MaxInputs => 5;
    public override int MaxOutputs => 5;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "epsilon", "momentum", "spatial", "training_mode" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (opset >= 9 && node.HasAttribute("spatial"))
        {
            problems.Add($"attribute 'spatial' exists only before opset 9, but the model declares opset {opset}");
        }

        if (opset < 14 && node.HasAttribute("training_mode"))
        {
            problems.Add($"attribute 'training_mode' exists only from opset 14, but the model declares opset {opset}");
        }

        if (node.GetInt("training_mode", 0) != 0)
        {
            problems.Add("training_mode=1 (normalizing with batch statistics) is not supported; EdgePrune runs BatchNormalization in inference mode with the stored mean and variance");
        }

        if (node.Outputs.Skip(1).Any(o => o.Length > 0))
        {
            problems.Add("the running mean/variance outputs are produced only in training; EdgePrune runs inference, so only output Y may be used");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        string[] names = ["X", "scale", "B", "input_mean", "input_var"];
        for (int i = 0; i < 5; i++)
        {
            if (inputs[i] is { } t && t.ElementType != DataType.Float)
            {
                throw new EdgePruneException($"{node.Describe()}: input {names[i]} is {t.ElementType.OnnxName()}; EdgePrune implements BatchNormalization for float only");
            }
        }

        if (x.Rank < 2)
        {
            throw new EdgePruneException($"{node.Describe()}: X {x} must be [N, C, …]");
        }

        bool spatial = node.GetInt("spatial", 1) != 0;
        Dim channels = x.Shape?[1] ?? Dim.Unknown;
        for (int i = 1; i < 5; i++)
        {
            if (spatial && inputs[i]?.Shape is { } s && (s.Count != 1 || (s[0].IsKnown && channels.IsKnown && s[0].Value != channels.Value)))
            {
                throw new EdgePruneException($"{node.Describe()}: {names[i]} {inputs[i]} must hold one value per channel ({channels})");
            }
        }

        return [x];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        if (x.Rank < 2)
        {
            throw new EdgePruneException($"{node.Describe()}: X {x} must be [N, C, …]");
        }

        int batch = x.Shape[0];
        int channels = x.Shape[1];
        int plane = Axes.Product(x.Shape, 2, x.Rank);
        // With spatial=0 (opset < 9) every element of a [C, D1…] sample has its own statistics.
        int statistics = node.GetInt("spatial", 1) != 0 ? channels : channels * plane;
        int run = statistics == channels ? plane : 1;
        var parameters = new float[4][];
        for (int i = 0; i < 4; i++)
        {
            parameters[i] = inputs[i + 1]!.ToFloatArray();
            if (parameters[i].Length != statistics)
            {
                throw new EdgePruneException($"{node.Describe()}: input #{i + 1} {inputs[i + 1]} must hold {statistics} values for X {x}");
            }
        }

        float epsilon = node.GetFloat("epsilon", 1e-5f);
        var (scale, bias, mean, variance) = (parameters[0], parameters[1], parameters[2], parameters[3]);
        var xs = x.Span<float>();
        var y = new float[xs.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int s = 0; s < statistics; s++)
            {
                float a = scale[s] / MathF.Sqrt(variance[s] + epsilon);
                float b = bias[s] - mean[s] * a;
                int start = (n * statistics + s) * run;
                var target = y.AsSpan(start, run);
                TensorPrimitives.Multiply(xs.Slice(start, run), a, target);
                TensorPrimitives.Add(target, b, target);
            }
        }

        return [Tensor.FromArray(y, x.Shape.ToArray())];
    }

    public override long CountMacs(Node node, IReadOnlyList<TensorType?> inputs, IReadOnlyList<TensorType> outputs) =>
        outputs[0].IsFullyKnown ? outputs[0].ConcreteShape().Aggregate(1L, (p, d) => p * d) : 0;
}
