using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// MatMul with numpy.matmul semantics (ONNX Operators.md#MatMul): a 1-D A is a row vector and a 1-D B a
/// column vector (the added axis is dropped from the result); leading axes of higher-rank operands are
/// batch axes and broadcast.
/// </summary>
public sealed class MatMul : Operator
{
    public override string OpType => "MatMul";
    public override int MinInputs => 2;
    public override int MaxInputs => 2;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>();

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        if (a.ElementType != DataType.Float || b.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: inputs are {a.ElementType.OnnxName()} and {b.ElementType.OnnxName()}; EdgePrune implements MatMul for float only");
        }

        if (a.Shape is null || b.Shape is null)
        {
            return [new TensorType(DataType.Float, null)];
        }

        if (a.Shape.Count == 0 || b.Shape.Count == 0)
        {
            throw new EdgePruneException($"{node.Describe()}: MatMul needs operands of rank 1 or more, got {a} and {b}");
        }

        Dim ka = a.Shape[^1];
        Dim kb = b.Shape.Count == 1 ? b.Shape[0] : b.Shape[^2];
        if (ka.IsKnown && kb.IsKnown && ka.Value != kb.Value)
        {
            throw new EdgePruneException($"{node.Describe()}: inner dimensions differ: A is {a}, B is {b}");
        }

        var aBatch = a.Shape.Count > 2 ? a.Shape.Take(a.Shape.Count - 2).ToArray() : [];
        var bBatch = b.Shape.Count > 2 ? b.Shape.Take(b.Shape.Count - 2).ToArray() : [];
        IReadOnlyList<Dim> batch;
        try
        {
            batch = Broadcast.Shape(aBatch, bBatch)!;
        }
        catch (EdgePruneException e)
        {
            throw new EdgePruneException($"{node.Describe()}: batch axes of A {a} and B {b} do not broadcast: {e.Message}");
        }

        var output = new List<Dim>(batch);
        if (a.Shape.Count > 1)
        {
            output.Add(a.Shape[^2]);
        }

        if (b.Shape.Count > 1)
        {
            output.Add(b.Shape[^1]);
        }

        return [new TensorType(DataType.Float, output)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        if (a.Rank == 0 || b.Rank == 0)
        {
            throw new EdgePruneException($"{node.Describe()}: MatMul needs operands of rank 1 or more, got {a} and {b}");
        }

        int[] aShape = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape.ToArray();
        int[] bShape = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape.ToArray();
        int m = aShape[^2], k = aShape[^1], n = bShape[^1];
        if (bShape[^2] != k)
        {
            throw new EdgePruneException($"{node.Describe()}: inner dimensions differ: A is {a}, B is {b}");
        }

        int[] aBatch = aShape[..^2], bBatch = bShape[..^2];
        int[] batch = Broadcast.Shape(aBatch, bBatch);
        var products = new List<(int A, int B, int C)>();
        Broadcast.ForEach(aBatch, bBatch, batch, (o, ia, ib) => products.Add((ia * m * k, ib * k * n, o * m * n)));

        var av = SharedData.Floats(a, node, "A");
        var bv = SharedData.Floats(b, node, "B");
        var c = new float[(long)products.Count * m * n];
        bool parallelProducts = products.Count >= Environment.ProcessorCount;
        void Product(int i) => MatrixMultiply.Accumulate(av, products[i].A, bv, products[i].B, c, products[i].C, m, k, n, parallel: !parallelProducts);
        Jobs.Run(products.Count, parallelProducts, Product);

        var shape = new List<int>(batch);
        if (a.Rank > 1)
        {
            shape.Add(m);
        }

        if (b.Rank > 1)
        {
            shape.Add(n);
        }

        return [Tensor.FromArray(c, [.. shape])];
    }

    public override long CountMacs(Node node, IReadOnlyList<TensorType?> inputs, IReadOnlyList<TensorType> outputs)
    {
        var a = inputs[0];
        var y = outputs[0];
        if (a?.Shape is not { Count: > 0 } || !a.Shape[^1].IsKnown || !y.IsFullyKnown)
        {
            return 0;
        }

        return y.ConcreteShape().Aggregate(1L, (p, d) => p * d) * a.Shape[^1].Value!.Value;
    }
}
