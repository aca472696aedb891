using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Engine;

/// <summary>Relu, Clip (min, max), Sigmoid, Tanh, LeakyRelu (alpha), Softmax ([outer, axis, inner]); int8 Relu and Clip are clamps on the codes.</summary>
internal sealed class UnaryStep : Step
{
    private readonly float _min;
    private readonly float _max;
    private readonly float _alpha;
    private readonly int _clampMin;
    private readonly int _clampMax;
    private readonly int[] _softmaxShape = [];

    public UnaryStep(NodeRecord node, TensorRecord[] tensors)
        : base(node, tensors)
    {
        Arity(1, 1, 1);
        var x = In(0);
        RequireDenseIfConstant(x);
        Require(x.Count == Out.Count, $"input {x} and output {Out} differ in size");
        RequireType(Out, x.Type);
        _min = node.Op == OpCode.Relu ? 0f : node.GetFloat(AttributeId.Min, float.NegativeInfinity);
        _max = node.Op == OpCode.Relu ? float.PositiveInfinity : node.GetFloat(AttributeId.Max, float.PositiveInfinity);
        Require(!float.IsNaN(_min) && !float.IsNaN(_max) && _min <= _max, $"clip range [{_min}, {_max}] is empty");
        _alpha = node.GetFloat(AttributeId.Alpha, 0.01f);
        if (node.Op == OpCode.Softmax)
        {
            _softmaxShape = IntsAttribute(AttributeId.SoftmaxShape, 3, 1, 1);
            Require(Product(_softmaxShape) == x.Count, $"softmax shape [{string.Join(", ", _softmaxShape)}] does not cover {x}");
        }

        if (x.Type == EpbDataType.Int8)
        {
            Require(node.Op is OpCode.Relu or OpCode.Clip, $"int8 {node.Op} is not defined; the exporter runs it in fp32");
            RequireSameQuantization(x, Out);
            var (scale, zero) = PerTensor(Out);
            (_clampMin, _clampMax) = Requantization.ActivationRange(scale, zero, _min, _max);
        }
        else
        {
            RequireType(x, EpbDataType.Float32);
        }
    }

    public override void Execute(byte[] arena, int[] scratch)
    {
        if (In(0).Type == EpbDataType.Int8)
        {
            Activations.ClampInt8(In(0).SBytes(arena), Out.WritableSBytes(arena), _clampMin, _clampMax);
            return;
        }

        var x = In(0).Floats(arena);
        var y = Out.WritableFloats(arena);
        switch (Node.Op)
        {
            case OpCode.Relu: Activations.Relu(x, y); break;
            case OpCode.Clip: Activations.Clip(x, y, _min, _max); break;
            case OpCode.Sigmoid: Activations.Sigmoid(x, y); break;
            case OpCode.Tanh: Activations.Tanh(x, y); break;
            case OpCode.LeakyRelu: Activations.LeakyRelu(x, y, _alpha); break;
            default: Activations.Softmax(x, y, _softmaxShape[0], _softmaxShape[1], _softmaxShape[2]); break;
        }
    }
}
