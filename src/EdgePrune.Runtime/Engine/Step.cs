using EdgePrune.Runtime.Format;

namespace EdgePrune.Runtime.Engine;

/// <summary>
/// One prepared node: its constructor checks every type, shape and attribute the kernel relies on (throwing
/// <see cref="EpbFormatException"/> naming the node) and precomputes what the kernel needs; <see cref="Execute"/>
/// then only slices the arena and calls the kernel, allocating nothing.
/// </summary>
internal abstract class Step
{
    protected Step(NodeRecord node, TensorRecord[] tensors)
    {
        Node = node;
        Inputs = node.Inputs.Select(i => i < 0 ? null : new Operand(tensors[i])).ToArray();
        Outputs = node.Outputs.Select(o => new Operand(tensors[o])).ToArray();
    }

    internal NodeRecord Node { get; }

    protected Operand?[] Inputs { get; }

    protected Operand[] Outputs { get; }

    /// <summary>Int32 scratch this step needs (the model allocates the largest once, at load).</summary>
    public virtual int ScratchInts => 0;

    public abstract void Execute(byte[] arena, int[] scratch);

    protected EpbFormatException Fail(string problem) => new($"graph section: {Node.Describe()}: {problem}");

    protected void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw Fail(problem);
        }
    }

    protected void Arity(int minInputs, int maxInputs, int outputs)
    {
        Require(Inputs.Length >= minInputs && Inputs.Length <= maxInputs && Outputs.Length == outputs,
            $"has {Inputs.Length} inputs and {Outputs.Length} outputs; expected {minInputs}..{maxInputs} inputs and {outputs} output(s)");
        for (int i = 0; i < minInputs; i++)
        {
            Require(Inputs[i] is not null, $"required input {i} is absent");
        }
    }

    protected Operand In(int i) => Inputs[i]!;

    internal Operand Out => Outputs[0];

    /// <summary>A constant read in place must be stored dense (only weight matrices may use sparse encodings).</summary>
    protected void RequireDenseIfConstant(Operand operand)
    {
        Require(!operand.IsConstant || operand.Tensor.Weights!.Encoding == WeightEncoding.Dense, $"{operand} is read as a plain array and must be stored dense");
    }

    protected void RequireType(Operand operand, params EpbDataType[] allowed) =>
        Require(allowed.Contains(operand.Type), $"{operand} has type {operand.Type}; this op takes {string.Join(" or ", allowed)} here");

    protected void RequireSameQuantization(Operand a, Operand b)
    {
        var qa = PerTensor(a);
        var qb = PerTensor(b);
        Require(qa.Scale == qb.Scale && qa.ZeroPoint == qb.ZeroPoint, $"{a} and {b} must share scale and zero point for this int8 op");
    }

    protected (float Scale, int ZeroPoint) PerTensor(Operand operand)
    {
        var q = operand.Tensor.Quant;
        Require(q is { Kind: QuantKind.PerTensor }, $"{operand} is int8 and needs per-tensor quantization parameters");
        return (q!.Scales[0], q.ZeroPoints[0]);
    }

    protected static long Product(IEnumerable<int> values) => values.Aggregate(1L, (a, b) => a * b);

    protected int[] IntsAttribute(AttributeId id, int count, int defaultValue, int minValue)
    {
        var values = Node.GetInts(id, Enumerable.Repeat((long)defaultValue, count).ToArray());
        Require(values.Length == count, $"attribute {id} has {values.Length} values; expected {count}");
        Require(values.All(v => v >= minValue && v <= 1 << 20), $"attribute {id} holds a value outside [{minValue}, {1 << 20}]");
        return values.Select(v => (int)v).ToArray();
    }
}
