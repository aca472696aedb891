using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Engine;

/// <summary>Add, Sub, Mul, Div with numpy broadcasting; int8 for Add, Sub and Mul (TFLite arithmetic).</summary>
internal sealed class BinaryStep : Step
{
    private readonly BinaryOp _op;
    private readonly Broadcast _broadcast;
    private readonly BinaryInt8? _int8;

    public BinaryStep(NodeRecord node, TensorRecord[] tensors)
        : base(node, tensors)
    {
        Arity(2, 2, 1);
        _op = node.Op switch
        {
            OpCode.Add => BinaryOp.Add,
            OpCode.Sub => BinaryOp.Sub,
            OpCode.Mul => BinaryOp.Mul,
            _ => BinaryOp.Div,
        };
        var a = In(0);
        var b = In(1);
        RequireDenseIfConstant(a);
        RequireDenseIfConstant(b);
        _broadcast = Broadcast.Create(a.Shape, b.Shape, Out.Shape)
            ?? throw Fail($"{a} and {b} do not broadcast to {Out}");
        RequireType(b, a.Type);
        RequireType(Out, a.Type);
        if (a.Type == EpbDataType.Int8)
        {
            Require(_op != BinaryOp.Div, "int8 Div is not defined; the exporter runs it in fp32");
            var (sa, za) = PerTensor(a);
            var (sb, zb) = PerTensor(b);
            var (so, zo) = PerTensor(Out);
            _int8 = BinaryInt8.Create(_op, sa, za, sb, zb, so, zo);
        }
        else
        {
            RequireType(a, EpbDataType.Float32);
        }
    }

    public override void Execute(byte[] arena, int[] scratch)
    {
        if (_int8 is null)
        {
            BinaryFloat.Run(_op, _broadcast, In(0).Floats(arena), In(1).Floats(arena), Out.WritableFloats(arena));
        }
        else
        {
            _int8.Run(_broadcast, In(0).SBytes(arena), In(1).SBytes(arena), Out.WritableSBytes(arena));
        }
    }
}
