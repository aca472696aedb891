using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Reshape: the same elements under the shape given by the 'shape' input. ONNX Operators.md#Reshape, opset 5
/// form (the opset 1 'shape' attribute predates the range EdgePrune reads). A 0 copies the input's dimension
/// at that position, unless allowzero=1 (opset 14+) makes it a literal zero; one -1 is inferred.
/// </summary>
public sealed class Reshape : Operator
{
    public override string OpType => "Reshape";
    public override int SinceOpset => 5;
    public override int MinInputs => 2;
    public override int MaxInputs => 2;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "allowzero" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (!node.HasAttribute("allowzero"))
        {
            return;
        }

        if (opset < 14)
        {
            problems.Add($"attribute 'allowzero' exists only from opset 14, but the model declares opset {opset}");
        }
        else if (node.GetInt("allowzero", 0) is not (0 or 1))
        {
            problems.Add($"allowzero must be 0 or 1, got {node.GetInt("allowzero", 0)}");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var data = inputs[0]!;
        var shape = inputs[1]!;
        if (shape.ElementType != DataType.Int64)
        {
            throw new EdgePruneException($"{node.Describe()}: the 'shape' input must be int64, got {shape.ElementType.OnnxName()}");
        }

        if (shape.Rank is not (null or 1))
        {
            throw new EdgePruneException($"{node.Describe()}: the 'shape' input must be 1-D, got {shape}");
        }

        if (constants[1] is { } requested)
        {
            return [new TensorType(data.ElementType, OutputShape(node, data.Shape, requested.ToInt64Array(), AllowZero(node)))];
        }

        // The values are computed at run time; only the output rank (the length of 'shape') is known.
        var length = shape.Shape?[0];
        return [new TensorType(data.ElementType, length is { IsKnown: true } ? Enumerable.Repeat(Dim.Unknown, (int)length.Value.Value!.Value).ToArray() : null)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var data = inputs[0]!;
        var input = data.Shape.ToArray().Select(d => Dim.Of(d)).ToArray();
        var dims = OutputShape(node, input, inputs[1]!.ToInt64Array(), AllowZero(node));
        return [data.Reshape(dims.Select(d => checked((int)d.Value!.Value)).ToArray())];
    }

    private static bool AllowZero(Node node) => node.GetInt("allowzero", 0) == 1;

    /// <summary>
    /// The output dims for <paramref name="requested"/>. Symbolic input dims survive where a 0 copies them, and
    /// cancel against equal symbols when inferring the -1 (so [N, C, H, W] with [0, -1] gives [N, C·H·W]).
    /// </summary>
    private static Dim[] OutputShape(Node node, IReadOnlyList<Dim>? input, long[] requested, bool allowZero)
    {
        string asked = "[" + string.Join(", ", requested) + "]";
        if (requested.Count(r => r == -1) > 1)
        {
            throw new EdgePruneException($"{node.Describe()}: shape {asked} has more than one -1; only one dimension can be inferred");
        }

        if (requested.Any(r => r < -1))
        {
            throw new EdgePruneException($"{node.Describe()}: shape {asked} has a negative dimension other than -1");
        }

        if (allowZero && requested.Contains(0) && requested.Contains(-1))
        {
            throw new EdgePruneException($"{node.Describe()}: shape {asked} has both 0 and -1 with allowzero=1, so the -1 cannot be inferred");
        }

        var dims = new Dim[requested.Length];
        int inferAt = -1;
        for (int i = 0; i < requested.Length; i++)
        {
            if (requested[i] == -1)
            {
                inferAt = i;
            }
            else if (requested[i] == 0 && !allowZero)
            {
                if (input is not null && i >= input.Count)
                {
                    throw new EdgePruneException($"{node.Describe()}: shape {asked} has 0 at position {i}, which copies input dimension {i}, but the input has rank {input.Count}");
                }

                dims[i] = input is null ? Dim.Unknown : input[i];
            }
            else
            {
                dims[i] = Dim.Of(requested[i]);
            }
        }

        if (input is null)
        {
            return dims;
        }

        var remainingIn = input.ToList();
        var remainingOut = dims.Where((_, i) => i != inferAt).ToList();
        foreach (var d in remainingOut.Where(d => d.Symbol is not null).ToList())
        {
            if (remainingIn.Remove(d))
            {
                remainingOut.Remove(d);
            }
        }

        if (!remainingIn.All(d => d.IsKnown) || !remainingOut.All(d => d.IsKnown))
        {
            if (inferAt >= 0)
            {
                // One open input dim against equal known products ([N, 3, 4] to [-1, 3, 4]): the -1 is that dim.
                var open = remainingIn.Where(d => !d.IsKnown).ToList();
                bool sameKnownCount = remainingOut.All(d => d.IsKnown)
                    && remainingIn.Where(d => d.IsKnown).Aggregate(1L, (p, d) => p * d.Value!.Value) == remainingOut.Aggregate(1L, (p, d) => p * d.Value!.Value);
                dims[inferAt] = open.Count == 1 && sameKnownCount ? open[0] : Dim.Unknown;
            }

            return dims;
        }

        long inCount = remainingIn.Aggregate(1L, (p, d) => p * d.Value!.Value);
        long outCount = remainingOut.Aggregate(1L, (p, d) => p * d.Value!.Value);
        string from = "[" + string.Join(", ", input) + "]";
        if (inferAt >= 0)
        {
            if (outCount == 0 || inCount % outCount != 0)
            {
                throw new EdgePruneException($"{node.Describe()}: cannot reshape {from} to {asked}: the other dimensions ({outCount} elements) do not divide the input's {inCount} elements");
            }

            dims[inferAt] = Dim.Of(inCount / outCount);
        }
        else if (inCount != outCount)
        {
            throw new EdgePruneException($"{node.Describe()}: cannot reshape {from} ({inCount} elements) to {asked} ({outCount} elements)");
        }

        return dims;
    }
}
