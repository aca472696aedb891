using System.Runtime.InteropServices;
using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Engine;

/// <summary>MaxPool / AveragePool (1-D or 2-D; kernel_shape, strides, pads, count_include_pad) and GlobalAveragePool.</summary>
internal sealed class PoolStep : Step
{
    private readonly ConvGeometry _g;
    private readonly bool _countIncludePad;
    private readonly bool _int8;

    public PoolStep(NodeRecord node, TensorRecord[] tensors)
        : base(node, tensors)
    {
        Arity(1, 1, 1);
        var x = In(0);
        int rank = x.Shape.Length;
        Require(rank is 3 or 4 && Out.Shape.Length == rank, $"input {x} and output {Out} must both be [N, C, (H,) W]");
        Require(!x.IsConstant, "pools read activations only");
        _int8 = x.Type == EpbDataType.Int8;
        RequireType(Out, x.Type);
        if (_int8)
        {
            RequireSameQuantization(x, Out);
        }

        int spatial = rank - 2;
        int inH = spatial == 2 ? x.Shape[2] : 1, inW = x.Shape[^1];
        int n = x.Shape[0], c = x.Shape[1];
        if (node.Op == OpCode.GlobalAveragePool)
        {
            Require(Out.Shape[0] == n && Out.Shape[1] == c && Out.Count == n * c, $"output {Out} must be [N, C, 1(, 1)]");
            _g = new ConvGeometry(n, c, inH, inW, c, 1, 1, inH, inW, 1, 1, 0, 0, 0, 0, 1, 1, c);
            return;
        }

        var kernel = IntsAttribute(AttributeId.KernelShape, spatial, 1, 1);
        var strides = IntsAttribute(AttributeId.Strides, spatial, 1, 1);
        var pads = IntsAttribute(AttributeId.Pads, 2 * spatial, 0, 0);
        _countIncludePad = node.GetInt(AttributeId.CountIncludePad, 0) != 0;
        int kh = spatial == 2 ? kernel[0] : 1, kw = kernel[^1];
        int sh = spatial == 2 ? strides[0] : 1, sw = strides[^1];
        int pt = spatial == 2 ? pads[0] : 0, pl = pads[spatial - 1], pb = spatial == 2 ? pads[2] : 0, pr = pads[^1];
        Require(pt < kh && pb < kh && pl < kw && pr < kw, "pads must be smaller than the kernel");
        int outH = spatial == 2 ? Out.Shape[2] : 1, outW = Out.Shape[^1];
        bool Fits(int input, int k, int s, int p0, int p1, int output)
        {
            long floor = ((long)input + p0 + p1 - k) / s + 1;
            long ceil = ((long)input + p0 + p1 - k + s - 1) / s + 1;
            return input + p0 + p1 >= k && (output == floor || output == ceil) && (long)(output - 1) * s < input + p0;
        }

        Require(Out.Shape[0] == n && Out.Shape[1] == c && Fits(inH, kh, sh, pt, pb, outH) && Fits(inW, kw, sw, pl, pr, outW),
            $"output {Out} does not match the input {x} under this kernel, stride and padding");
        _g = new ConvGeometry(n, c, inH, inW, c, outH, outW, kh, kw, sh, sw, pt, pl, pb, pr, 1, 1, c);
    }

    /// <summary>A MaxPool whose windows all lie inside its input: a stride-1 convolution before it can take it over (<see cref="ConvStep.FuseMaxPool"/>).</summary>
    internal bool IsMaxPoolInside => Node.Op == OpCode.MaxPool && Pooling.WindowsInside(_g);

    internal ConvGeometry Geometry => _g;

    public override int ScratchInts => Node.Op == OpCode.MaxPool && Pooling.WindowsInside(_g) ? Pooling.MaxScratch(_g) : 0;

    public override void Execute(byte[] arena, int[] scratch)
    {
        if (Node.Op == OpCode.GlobalAveragePool)
        {
            if (_int8)
            {
                Pooling.GlobalAverageInt8(_g.Batch * _g.InChannels, _g.InPlane, In(0).SBytes(arena), Out.WritableSBytes(arena));
            }
            else
            {
                Pooling.GlobalAverageFloat(_g.Batch * _g.InChannels, _g.InPlane, In(0).Floats(arena), Out.WritableFloats(arena));
            }

            return;
        }

        switch ((Node.Op, _int8))
        {
            case (OpCode.MaxPool, false): Pooling.MaxFloat(_g, In(0).Floats(arena), Out.WritableFloats(arena), MemoryMarshal.Cast<int, float>(scratch.AsSpan())); break;
            case (OpCode.MaxPool, true): Pooling.MaxInt8(_g, In(0).SBytes(arena), Out.WritableSBytes(arena), MemoryMarshal.Cast<int, sbyte>(scratch.AsSpan())); break;
            case (_, false): Pooling.AverageFloat(_g, _countIncludePad, In(0).Floats(arena), Out.WritableFloats(arena)); break;
            default: Pooling.AverageInt8(_g, _countIncludePad, In(0).SBytes(arena), Out.WritableSBytes(arena)); break;
        }
    }
}
