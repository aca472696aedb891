using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops.Common;

/// <summary>
/// Base for the Reduce* ops (ONNX Operators.md#ReduceSum and siblings). The axes come from the 'axes' attribute
/// before <see cref="AxesInputOpset"/> and from the optional second input from then on, when
/// 'noop_with_empty_axes' also appears. No axes means every axis (or, with noop_with_empty_axes = 1, the
/// identity). Float reductions accumulate in double, so results are at least as exact as ONNX Runtime's.
/// </summary>
public abstract class ReduceOperator : Operator
{
    public override int MinInputs => 1;
    public override int MaxInputs => 2;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axes", "keepdims", "noop_with_empty_axes" };

    /// <summary>The first opset in which the axes are the second input rather than an attribute.</summary>
    protected abstract int AxesInputOpset { get; }

    /// <summary>Element types the op accepts, as in "float, int64" for messages.</summary>
    protected abstract IReadOnlyList<DataType> ElementTypes { get; }

    /// <summary>The accumulator's start value in float and in integer arithmetic (also the result of an empty reduction).</summary>
    protected abstract double FloatSeed { get; }

    protected abstract long IntegerSeed(DataType elementType);

    protected abstract double Combine(double accumulator, double value);

    protected abstract long Combine(long accumulator, long value);

    /// <summary>Turns the accumulator into the result once <paramref name="count"/> elements were combined (Mean divides).</summary>
    protected virtual double Finish(double accumulator, long count) => accumulator;

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (opset >= AxesInputOpset && node.HasAttribute("axes"))
        {
            problems.Add($"from opset {AxesInputOpset} {OpType} takes its axes as the second input; the 'axes' attribute belongs to earlier opsets, but the model declares opset {opset}");
        }

        if (opset < AxesInputOpset && node.Inputs.Length > 1)
        {
            problems.Add($"before opset {AxesInputOpset} {OpType} takes its axes as an attribute, not as a second input (the model declares opset {opset})");
        }

        if (opset < AxesInputOpset && node.HasAttribute("noop_with_empty_axes"))
        {
            problems.Add($"attribute 'noop_with_empty_axes' exists only from opset {AxesInputOpset}, but the model declares opset {opset}");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (!ElementTypes.Contains(x.ElementType))
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements {OpType} for {string.Join(", ", ElementTypes.Select(t => t.OnnxName()))}");
        }

        var axesType = inputs.Count > 1 ? inputs[1] : null;
        if (axesType is not null && axesType.ElementType != DataType.Int64)
        {
            throw new EdgePruneException($"{node.Describe()}: axes input is {axesType.ElementType.OnnxName()}, but must be int64");
        }

        bool keepDims = node.GetInt("keepdims", 1) != 0;
        if (x.Shape is null)
        {
            return [new TensorType(x.ElementType, null)];
        }

        bool axesUnknown = axesType is not null && constants[1] is null;
        if (axesUnknown)
        {
            // The axes are only known at run time: with keepdims the rank survives, without it nothing does.
            return [new TensorType(x.ElementType, keepDims ? Enumerable.Repeat(Dim.Unknown, x.Shape.Count).ToArray() : null)];
        }

        var reduced = ReducedAxes(node, opset, x.Shape.Count, constants.Count > 1 ? constants[1] : null);
        var shape = new List<Dim>();
        for (int d = 0; d < x.Shape.Count; d++)
        {
            if (!reduced[d])
            {
                shape.Add(x.Shape[d]);
            }
            else if (keepDims)
            {
                shape.Add(Dim.Of(1));
            }
        }

        return [new TensorType(x.ElementType, shape)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var inputShape = x.Shape.ToArray();
        var reduced = ReducedAxes(node, opset, inputShape.Length, inputs.Count > 1 ? inputs[1] : null);
        bool keepDims = node.GetInt("keepdims", 1) != 0;

        // Strides of the output in its keepdims layout, with 0 on reduced axes, walked with an odometer over the input.
        var keptShape = inputShape.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var strides = Broadcast.Strides(keptShape, inputShape);
        for (int d = 0; d < inputShape.Length; d++)
        {
            if (reduced[d])
            {
                strides[d] = 0;
            }
        }

        int outputCount = (int)Tensor.ElementCountOf(keptShape);
        long count = outputCount == 0 ? 0 : Tensor.ElementCountOf(inputShape) / outputCount;
        var outputShape = keepDims ? keptShape : inputShape.Where((_, i) => !reduced[i]).ToArray();

        if (x.DataType.IsFloatingPoint())
        {
            var values = x.ToFloatArray();
            var accumulators = new double[outputCount];
            Array.Fill(accumulators, FloatSeed);
            Walk(inputShape, strides, (i, o) => accumulators[o] = Combine(accumulators[o], values[i]));
            var result = Array.ConvertAll(accumulators, a => (float)Finish(a, count));
            return [Tensor.FromArray(result, outputShape)];
        }
        else
        {
            var values = x.ToInt64Array();
            var accumulators = new long[outputCount];
            Array.Fill(accumulators, IntegerSeed(x.DataType));
            Walk(inputShape, strides, (i, o) => accumulators[o] = Combine(accumulators[o], values[i]));
            var result = Tensor.FromArray(accumulators, outputShape);
            return [x.DataType == DataType.Int64 ? result : Tensor.FromArray(Array.ConvertAll(accumulators, v => (int)v), outputShape)];
        }
    }

    /// <summary>Which axes are reduced: all of them when no axes are given, none with noop_with_empty_axes.</summary>
    private bool[] ReducedAxes(Node node, int opset, int rank, Tensor? axesInput)
    {
        long[]? axes = opset >= AxesInputOpset ? axesInput?.ToInt64Array() : node.GetInts("axes");
        var reduced = new bool[rank];
        if (axes is null || axes.Length == 0)
        {
            bool noop = opset >= AxesInputOpset && node.GetInt("noop_with_empty_axes", 0) != 0;
            Array.Fill(reduced, !noop);
            return reduced;
        }

        foreach (long axis in axes)
        {
            int a;
            try
            {
                a = Axes.Normalize(axis, rank);
            }
            catch (EdgePruneException e)
            {
                throw new EdgePruneException($"{node.Describe()}: {e.Message}");
            }

            if (reduced[a])
            {
                throw new EdgePruneException($"{node.Describe()}: axis {axis} is listed more than once in axes [{string.Join(", ", axes)}]");
            }

            reduced[a] = true;
        }

        return reduced;
    }

    /// <summary>Calls <paramref name="body"/>(inputIndex, outputIndex) for every input element, in row-major order.</summary>
    private static void Walk(int[] shape, int[] outputStrides, Action<int, int> body)
    {
        int rank = shape.Length;
        int total = (int)Tensor.ElementCountOf(shape);
        var index = new int[rank];
        int o = 0;
        for (int i = 0; i < total; i++)
        {
            body(i, o);
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                o += outputStrides[d];
                if (index[d] < shape[d])
                {
                    break;
                }

                o -= outputStrides[d] * shape[d];
                index[d] = 0;
            }
        }
    }
}
