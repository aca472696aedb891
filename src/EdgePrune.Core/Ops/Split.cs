using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Split: cuts the input along 'axis' into consecutive parts. ONNX Operators.md#Split. The part sizes come from
/// the 'split' attribute before opset 13 and the optional 'split' input from 13; without them the input is cut
/// into equal parts, one per output, and from opset 18 'num_outputs' allows a smaller last part
/// (every part has ceil(d / n) elements but the last).
/// </summary>
public sealed class Split : Operator
{
    public override string OpType => "Split";
    public override int MinInputs => 1;
    public override int MaxInputs => 2;
    public override int MaxOutputs => int.MaxValue;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axis", "split", "num_outputs" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (opset >= 13 && node.HasAttribute("split"))
        {
            problems.Add($"from opset 13 'split' is an input, not an attribute (the model declares opset {opset})");
        }

        if (opset < 13 && node.OptionalInput(1) is not null)
        {
            problems.Add($"the 'split' input exists only from opset 13; before that it is an attribute (the model declares opset {opset})");
        }

        if (node.HasAttribute("num_outputs"))
        {
            long n = node.GetInt("num_outputs", 0);
            if (opset < 18)
            {
                problems.Add($"attribute 'num_outputs' exists only from opset 18, but the model declares opset {opset}");
            }
            else if (n != node.Outputs.Length)
            {
                problems.Add($"num_outputs is {n} but the node has {node.Outputs.Length} outputs");
            }
            else if (node.OptionalInput(1) is not null)
            {
                problems.Add("both the 'split' input and 'num_outputs' are given; the spec allows only one");
            }
        }

        if (opset >= 18 && !node.HasAttribute("num_outputs") && node.OptionalInput(1) is null)
        {
            problems.Add($"from opset 18 either the 'split' input or the 'num_outputs' attribute must be given (the model declares opset {opset})");
        }

        if (node.GetInts("split") is { } split && split.Length != node.Outputs.Length)
        {
            problems.Add($"split [{string.Join(", ", split)}] has {split.Length} entries but the node has {node.Outputs.Length} outputs");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        bool splitFromInput = opset >= 13 && node.OptionalInput(1) is not null;
        if (splitFromInput && inputs[1]!.ElementType != DataType.Int64)
        {
            throw new EdgePruneException($"{node.Describe()}: the 'split' input must be int64, got {inputs[1]!.ElementType.OnnxName()}");
        }

        if (x.Shape is null)
        {
            return node.Outputs.Select(_ => new TensorType(x.ElementType, null)).ToArray();
        }

        int axis = Axis(node, x.Shape.Count);
        var axisDim = x.Shape[axis];
        long[]? sizes = splitFromInput && constants[1] is null
            ? null
            : Sizes(node, opset, axisDim.Value, splitFromInput ? constants[1] : null);
        return node.Outputs.Select((_, k) =>
        {
            var dims = x.Shape.ToArray();
            dims[axis] = sizes is null ? Dim.Unknown : Dim.Of(sizes[k]);
            return new TensorType(x.ElementType, dims);
        }).ToArray();
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        int axis = Axis(node, x.Rank);
        var sizes = Sizes(node, opset, x.Shape[axis], opset >= 13 && inputs.Count > 1 ? inputs[1] : null)!;
        int outer = Axes.Product(x.Shape, 0, axis);
        int inner = Axes.Product(x.Shape, axis + 1, x.Rank);
        int rowLength = x.Shape[axis] * inner;
        var outputs = new Tensor[sizes.Length];
        long start = 0;
        for (int k = 0; k < sizes.Length; k++)
        {
            var shape = x.Shape.ToArray();
            shape[axis] = (int)sizes[k];
            int block = shape[axis] * inner;
            var part = ElementCopy.Allocate(x.DataType, (long)outer * block);
            for (int o = 0; o < outer; o++)
            {
                Array.Copy(x.Data, o * rowLength + start * inner, part, o * block, block);
            }

            outputs[k] = Tensor.Create(x.DataType, shape, part);
            start += sizes[k];
        }

        return outputs;
    }

    /// <summary>The size of every part, or null when the axis dimension is not known and the sizes depend on it.</summary>
    private static long[]? Sizes(Node node, int opset, long? axisDim, Tensor? splitInput)
    {
        int count = node.Outputs.Length;
        var explicitSizes = opset >= 13 ? splitInput?.ToInt64Array() : node.GetInts("split");
        if (explicitSizes is not null)
        {
            string given = "[" + string.Join(", ", explicitSizes) + "]";
            if (explicitSizes.Length != count || explicitSizes.Any(s => s < 0))
            {
                throw new EdgePruneException($"{node.Describe()}: split {given} must list {count} non-negative sizes, one per output");
            }

            if (axisDim is { } total && explicitSizes.Sum() != total)
            {
                throw new EdgePruneException($"{node.Describe()}: split {given} adds up to {explicitSizes.Sum()}, but the split axis has {total} elements");
            }

            return explicitSizes;
        }

        if (axisDim is not { } dim)
        {
            return null;
        }

        if (opset >= 18 && node.HasAttribute("num_outputs"))
        {
            long chunk = (dim + count - 1) / count;
            long last = dim - chunk * (count - 1);
            if (last < 0 || (last == 0 && chunk > 0))
            {
                throw new EdgePruneException($"{node.Describe()}: an axis of {dim} elements cannot be cut into {count} parts of ceil({dim}/{count}) = {chunk} with a non-empty last part (the opset 18 num_outputs rule)");
            }

            return Enumerable.Repeat(chunk, count - 1).Append(last).ToArray();
        }

        if (dim % count != 0)
        {
            throw new EdgePruneException($"{node.Describe()}: an axis of {dim} elements cannot be split equally into {count} outputs; give the sizes with 'split'");
        }

        return Enumerable.Repeat(dim / count, count).ToArray();
    }

    private static int Axis(Node node, int rank)
    {
        try
        {
            return Axes.Normalize(node.GetInt("axis", 0), rank);
        }
        catch (EdgePruneException e)
        {
            throw new EdgePruneException($"{node.Describe()}: {e.Message}");
        }
    }
}
