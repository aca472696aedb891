using System.Numerics;
using System.Runtime.InteropServices;
using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime.Engine;

/// <summary>
/// Conv 1-D/2-D with groups: x [N, C, (H,) W], W [M, C/g, (KH,) KW], bias [M]. Attributes strides, pads (begins then
/// ends), dilations, group, fused activation. Filters with at most a quarter of their weights kept are decoded at load
/// into (tap, value) rows and run tap by tap; denser ones (dense, int4, or sparse encodings above that) run as im2col
/// tiles (fp32, <see cref="ConvFloat"/>) or patch dots with the bias folded at load (int8, <see cref="ConvInt8"/>).
/// int8 stride-1 convolutions, dense and sparse filters alike, run on the wide layout (<see cref="ConvInt8.RunWide"/>),
/// sparse filters summing only their nonzero taps. A stride-1 convolution can take over the MaxPool after it
/// (<see cref="FuseMaxPool"/>), pooling its wide rows straight into the pool's output.
/// </summary>
internal sealed class ConvStep : Step
{
    private readonly ConvGeometry _g;
    private readonly ConvFloat.Prepared? _floatFilters;
    private readonly sbyte[] _int8Values = [];
    private readonly int[] _rowStart = [];
    private readonly int[] _taps = [];
    private readonly int[] _foldedBias = [];
    private readonly float _min;
    private readonly float _max;
    private readonly Requantization? _requantization;
    private readonly WideFilters? _wideFilters;

    // A MaxPool this step took over (FuseMaxPool): its geometry, and its output, which this step then writes.
    private ConvGeometry? _pool;
    private Operand? _pooledOutput;

    public ConvStep(NodeRecord node, TensorRecord[] tensors)
        : base(node, tensors)
    {
        Arity(2, 3, 1);
        var x = In(0);
        var w = In(1);
        int rank = x.Shape.Length;
        Require(rank is 3 or 4, $"input {x} must be [N, C, W] or [N, C, H, W]");
        Require(w.IsConstant && w.Shape.Length == rank, $"weights {w} must be a constant of rank {rank}");
        Require(Out.Shape.Length == rank, $"output {Out} must have rank {rank}");
        int spatial = rank - 2;
        int group = (int)node.GetInt(AttributeId.Group, 1);
        var strides = IntsAttribute(AttributeId.Strides, spatial, 1, 1);
        var dilations = IntsAttribute(AttributeId.Dilations, spatial, 1, 1);
        var pads = IntsAttribute(AttributeId.Pads, 2 * spatial, 0, 0);
        int c = x.Shape[1], m = w.Shape[0];
        Require(group >= 1 && c % group == 0 && m % group == 0 && w.Shape[1] == c / group, $"group {group} does not divide input channels {c} and filters {m}, or weights {w} do not hold C/group channels");
        int inH = spatial == 2 ? x.Shape[2] : 1, inW = x.Shape[^1];
        int kh = spatial == 2 ? w.Shape[2] : 1, kw = w.Shape[^1];
        int sh = spatial == 2 ? strides[0] : 1, sw = strides[^1];
        int dh = spatial == 2 ? dilations[0] : 1, dw = dilations[^1];
        int pt = spatial == 2 ? pads[0] : 0, pl = pads[spatial - 1], pb = spatial == 2 ? pads[2] : 0, pr = pads[^1];
        long outH = ((long)inH + pt + pb - ((long)dh * (kh - 1)) - 1) / sh + 1;
        long outW = ((long)inW + pl + pr - ((long)dw * (kw - 1)) - 1) / sw + 1;
        int[] expected = spatial == 2 ? [x.Shape[0], m, (int)outH, (int)outW] : [x.Shape[0], m, (int)outW];
        Require(outH >= 1 && outW >= 1 && Out.Shape.SequenceEqual(expected), $"output {Out} should be [{string.Join(", ", expected)}] for these strides, pads and dilations");
        _g = new ConvGeometry(x.Shape[0], c, inH, inW, m, (int)outH, (int)outW, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, group);
        var bias = Inputs.Length > 2 ? Inputs[2] : null;
        if (bias is not null)
        {
            Require(bias.IsConstant && bias.Count == m, $"bias {bias} must be a constant of {m} values");
            RequireDenseIfConstant(bias);
        }

        (_min, _max) = FusedRange.Of(node);
        var view = w.Tensor.Weights!;
        bool dense = view.Encoding is WeightEncoding.Dense or WeightEncoding.Int4;
        if (x.Type == EpbDataType.Float32)
        {
            RequireType(w, EpbDataType.Float32);
            RequireType(Out, EpbDataType.Float32);
            if (bias is not null)
            {
                RequireType(bias, EpbDataType.Float32);
            }

            // Measured (docs/results.md, CNN benchmark): summing only the nonzero taps beats the dense tiles with 10 % of
            // the weights kept (LeNet-5) and loses about 4× with 40 % kept (gesture CNN), so only filters at most a
            // quarter kept run sparse (int8 likewise, below).
            var weights = dense ? view.Floats(0).ToArray() : view.ToDenseFloat();
            _floatFilters = ConvFloat.Prepare(_g, weights, bias is null ? [] : bias.Tensor.Weights!.Floats(0), sparse: !dense && !KeptMoreThanAQuarter(weights));
            return;
        }

        RequireType(x, EpbDataType.Int8);
        RequireType(w, EpbDataType.Int8);
        RequireType(Out, EpbDataType.Int8);
        var (inScale, inZero) = PerTensor(x);
        var (outScale, outZero) = PerTensor(Out);
        var wq = w.Tensor.Quant;
        Require(wq is not null && wq.ZeroPoints.All(z => z == 0) && (wq.Kind == QuantKind.PerTensor || wq.Axis == 0),
            $"int8 weights {w} need symmetric per-tensor or per-output-channel (axis 0) quantization");
        if (bias is not null)
        {
            RequireType(bias, EpbDataType.Int32);
        }

        _requantization = Requantization.Create(inScale, inZero, wq!.Scales, m, outScale, outZero, _min, _max);
        var denseInts = view.ToDenseInt();
        var biasInts = bias is null ? [] : bias.Tensor.Weights!.Ints(0);
        if (_g.RunsWide)
        {
            var filters = denseInts.Select(v => (sbyte)v).ToArray();
            bool sparse = view.Encoding is not (WeightEncoding.Dense or WeightEncoding.Int4) && !KeptMoreThanAQuarter(denseInts);
            _wideFilters = ConvInt8.Wide(_g, filters, dense: !sparse);
            _foldedBias = ConvInt8.FoldedBias(_g, filters, biasInts, _requantization.InputOffset);
            return;
        }

        if (view.Encoding == WeightEncoding.Int4 || (view.Encoding != WeightEncoding.Dense && KeptMoreThanAQuarter(denseInts)))
        {
            _int8Values = denseInts.Select(v => (sbyte)v).ToArray();
        }
        else if (view.Encoding != WeightEncoding.Dense)
        {
            (_rowStart, _taps, _int8Values) = _g.NonzeroTaps<sbyte>(denseInts.Select(v => (sbyte)v).ToArray());
        }

        if (_rowStart.Length == 0)
        {
            var filters = _int8Values.Length == 0 ? view.SBytes(0) : _int8Values;
            _foldedBias = ConvInt8.FoldedBias(_g, filters, biasInts, _requantization.InputOffset);
        }
    }

    public override int ScratchInts => _floatFilters is not null ? ConvFloat.ScratchFloats(_g, _floatFilters, _pool) : ConvInt8.ScratchInts(_g, _wideFilters?.Dense ?? _rowStart.Length == 0, _pool);

    /// <summary>
    /// Takes over a MaxPool that directly follows this step and alone reads its output (the model checks both): the
    /// pooled planes are written straight from the wide rows, so the full-size output is never stored or read back.
    /// False where that could change a result: strided convolutions, pools with padded windows, int8 filters whose
    /// requantization is not monotonic (<see cref="ConvInt8.PoolsBeforeRequantizing"/>), or a pool output sharing arena
    /// bytes with input that is read after the first output is written.
    /// </summary>
    internal bool FuseMaxPool(PoolStep pool)
    {
        if (!_g.RunsWide || !pool.IsMaxPoolInside || (_requantization is not null && !ConvInt8.PoolsBeforeRequantizing(_g, _foldedBias, _requantization)))
        {
            return false;
        }

        // The wide paths copy a group's input into scratch before writing any of its outputs, so with one group and one
        // batch item the input is never read after an output is written.
        var input = In(0).Tensor;
        var pooled = pool.Out.Tensor;
        bool disjoint = In(0).IsConstant || input.ArenaOffset + input.ByteCount <= pooled.ArenaOffset || pooled.ArenaOffset + pooled.ByteCount <= input.ArenaOffset;
        if (!disjoint && (_g.Groups > 1 || _g.Batch > 1))
        {
            return false;
        }

        _pool = pool.Geometry;
        _pooledOutput = pool.Out;
        return true;
    }

    public override void Execute(byte[] arena, int[] scratch)
    {
        var output = _pooledOutput ?? Out;
        if (_floatFilters is not null)
        {
            ConvFloat.Run(_g, _floatFilters, In(0).Floats(arena), output.WritableFloats(arena), _min, _max, MemoryMarshal.Cast<int, float>(scratch.AsSpan()), _pool);
            return;
        }

        var bias = Inputs.Length > 2 ? Inputs[2] : null;
        var values = _int8Values.Length == 0 ? In(1).Tensor.Weights!.SBytes(0) : _int8Values;
        if (_wideFilters is not null)
        {
            ConvInt8.RunWide(_g, _wideFilters, _foldedBias, _requantization!, In(0).SBytes(arena), output.WritableSBytes(arena), scratch, _pool);
        }
        else if (_rowStart.Length == 0)
        {
            ConvInt8.RunDense(_g, values, _foldedBias, _requantization!, In(0).SBytes(arena), Out.WritableSBytes(arena), scratch);
        }
        else
        {
            ConvInt8.RunSparse(_g, values, _rowStart, _taps, bias is null ? [] : bias.Ints(arena), _requantization!, In(0).SBytes(arena), Out.WritableSBytes(arena), scratch);
        }
    }

    private static bool KeptMoreThanAQuarter<T>(T[] weights)
        where T : INumber<T> => weights.Count(v => v != T.Zero) > weights.Length / 4;
}
