namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// TFLite's int8 Add, Sub and Mul with broadcasting. Add/Sub (reference_integer_ops::AddElementwise): both inputs are
/// shifted left by 20 bits, scaled to twice the larger input scale, summed, then rescaled to the output. Mul: the
/// product of the offset inputs is requantized by s_a·s_b/s_out.
/// </summary>
public sealed class BinaryInt8
{
    public const int AddLeftShift = 20;

    public required BinaryOp Op { get; init; }
    public required int OffsetA { get; init; }
    public required int OffsetB { get; init; }
    public required int MultiplierA { get; init; }
    public required int ShiftA { get; init; }
    public required int MultiplierB { get; init; }
    public required int ShiftB { get; init; }
    public required int OutputMultiplier { get; init; }
    public required int OutputShift { get; init; }
    public required int OutputZeroPoint { get; init; }

    public static BinaryInt8 Create(BinaryOp op, float scaleA, int zeroPointA, float scaleB, int zeroPointB, float scaleOut, int zeroPointOut)
    {
        if (op == BinaryOp.Mul)
        {
            var (m, s) = FixedPoint.QuantizeMultiplier((double)scaleA * scaleB / scaleOut);
            return new BinaryInt8
            {
                Op = op, OffsetA = -zeroPointA, OffsetB = -zeroPointB, MultiplierA = 0, ShiftA = 0, MultiplierB = 0, ShiftB = 0,
                OutputMultiplier = m, OutputShift = s, OutputZeroPoint = zeroPointOut,
            };
        }

        double twiceMax = 2.0 * Math.Max(scaleA, scaleB);
        var (ma, sa) = FixedPoint.QuantizeMultiplier(scaleA / twiceMax);
        var (mb, sb) = FixedPoint.QuantizeMultiplier(scaleB / twiceMax);
        var (mo, so) = FixedPoint.QuantizeMultiplier(twiceMax / ((1 << AddLeftShift) * (double)scaleOut));
        return new BinaryInt8
        {
            Op = op, OffsetA = -zeroPointA, OffsetB = -zeroPointB, MultiplierA = ma, ShiftA = sa, MultiplierB = mb, ShiftB = sb,
            OutputMultiplier = mo, OutputShift = so, OutputZeroPoint = zeroPointOut,
        };
    }

    /// <summary>One output element; the plain twin and the inner loop of <see cref="Run"/> are this function.</summary>
    public sbyte Apply(sbyte a, sbyte b)
    {
        int x = a + OffsetA, y = b + OffsetB;
        int raw;
        if (Op == BinaryOp.Mul)
        {
            raw = FixedPoint.MultiplyByQuantizedMultiplier(x * y, OutputMultiplier, OutputShift);
        }
        else
        {
            int scaledA = FixedPoint.MultiplyByQuantizedMultiplierSmallerThanOneExp(x * (1 << AddLeftShift), MultiplierA, ShiftA);
            int scaledB = FixedPoint.MultiplyByQuantizedMultiplierSmallerThanOneExp(y * (1 << AddLeftShift), MultiplierB, ShiftB);
            int sum = Op == BinaryOp.Add ? scaledA + scaledB : scaledA - scaledB;
            raw = FixedPoint.MultiplyByQuantizedMultiplierSmallerThanOneExp(sum, OutputMultiplier, OutputShift);
        }

        return (sbyte)Math.Clamp(raw + OutputZeroPoint, sbyte.MinValue, sbyte.MaxValue);
    }

    public void Run(Broadcast broadcast, ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b, Span<sbyte> y)
    {
        var visitor = new Visitor(this, broadcast, a, b, y);
        broadcast.Run(ref visitor);
    }

    private ref struct Visitor(BinaryInt8 p, Broadcast broadcast, ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b, Span<sbyte> y) : IRunVisitor
    {
        private readonly ReadOnlySpan<sbyte> _a = a;
        private readonly ReadOnlySpan<sbyte> _b = b;
        private readonly Span<sbyte> _y = y;

        public readonly void Visit(int offsetA, int offsetB, int offsetOut)
        {
            int n = broadcast.InnerLength, sa = broadcast.InnerStrideA, sb = broadcast.InnerStrideB;
            for (int i = 0; i < n; i++)
            {
                _y[offsetOut + i] = p.Apply(_a[offsetA + (i * sa)], _b[offsetB + (i * sb)]);
            }
        }
    }
}
