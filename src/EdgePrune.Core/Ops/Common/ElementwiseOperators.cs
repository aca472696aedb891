using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops.Common;

/// <summary>Base for float unary ops (activations, math): same shape out as in, one scalar function per element.</summary>
public abstract class UnaryFloatOperator : Operator
{
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>();

    /// <summary>The scalar meaning of the op (attributes already read from <paramref name="node"/> by <see cref="Bind"/>).</summary>
    protected abstract Func<float, float> Bind(Node node, int opset);

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        RequireFloat(node, x);
        return [x];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var f = Bind(node, opset);
        var src = x.ToFloatArray();
        for (int i = 0; i < src.Length; i++)
        {
            src[i] = f(src[i]);
        }

        return [Tensor.FromArray(src, x.Shape.ToArray())];
    }

    protected static void RequireFloat(Node node, TensorType type)
    {
        if (type.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: input is {type.ElementType.OnnxName()}; EdgePrune implements {node.OpType} for float only");
        }
    }
}

/// <summary>Base for unary ops over several numeric element types (Abs, Neg): same type and shape out as in.</summary>
public abstract class NumericUnaryOperator : Operator
{
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>();

    /// <summary>The element types the kernel implements.</summary>
    protected abstract IReadOnlyList<DataType> ElementTypes { get; }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (!ElementTypes.Contains(x.ElementType))
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements {OpType} for {string.Join(", ", ElementTypes.Select(t => t.OnnxName()))}");
        }

        return [x];
    }

    /// <summary>Applies <paramref name="f"/> to every element of <paramref name="x"/>, keeping its shape.</summary>
    protected static Tensor[] Map<T>(Tensor x, Converter<T, T> f) where T : unmanaged =>
        [Tensor.FromArray(Array.ConvertAll(x.Span<T>().ToArray(), f), x.Shape.ToArray())];
}

/// <summary>Base for binary ops with NumPy broadcasting (Add, Sub, Mul, Div, Pow), computed in float or int64.</summary>
public abstract class BinaryBroadcastOperator : Operator
{
    public override int MinInputs => 2;
    public override int MaxInputs => 2;

    /// <summary>Opset 1–6 had 'broadcast'/'axis' attributes; files at opset ≥ 7 never carry them.</summary>
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>();

    protected abstract float Apply(float a, float b);

    /// <summary>Integer meaning (shape arithmetic in PyTorch exports uses int64 Add/Mul/Div).</summary>
    protected abstract long Apply(long a, long b);

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        if (a.ElementType != b.ElementType)
        {
            throw new EdgePruneException($"{node.Describe()}: inputs are {a.ElementType.OnnxName()} and {b.ElementType.OnnxName()}; both must have the same type");
        }

        if (a.ElementType is not (DataType.Float or DataType.Int64 or DataType.Int32))
        {
            throw new EdgePruneException($"{node.Describe()}: element type {a.ElementType.OnnxName()} is not supported (float, int32, int64 are)");
        }

        return [new TensorType(a.ElementType, Broadcast.Shape(a.Shape, b.Shape))];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var shape = Broadcast.Shape(a.Shape.ToArray(), b.Shape.ToArray());
        int count = (int)Tensor.ElementCountOf(shape);
        if (a.DataType == DataType.Float)
        {
            var x = a.Span<float>().ToArray();
            var y = b.Span<float>().ToArray();
            var result = new float[count];
            Broadcast.ForEach(a.Shape, b.Shape, shape, (o, i, j) => result[o] = Apply(x[i], y[j]));
            return [Tensor.FromArray(result, shape)];
        }
        else
        {
            var x = a.ToInt64Array();
            var y = b.ToInt64Array();
            var result = new long[count];
            Broadcast.ForEach(a.Shape, b.Shape, shape, (o, i, j) => result[o] = Apply(x[i], y[j]));
            var t = Tensor.FromArray(result, shape);
            return [a.DataType == DataType.Int64 ? t : Tensor.FromArray(Array.ConvertAll(result, v => (int)v), shape)];
        }
    }
}
