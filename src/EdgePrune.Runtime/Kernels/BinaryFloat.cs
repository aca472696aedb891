using System.Numerics.Tensors;

namespace EdgePrune.Runtime.Kernels;

public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
}

/// <summary>fp32 Add/Sub/Mul/Div with broadcasting; each innermost run is one vectorized TensorPrimitives call.</summary>
public static class BinaryFloat
{
    public static void Run(BinaryOp op, Broadcast broadcast, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        var visitor = new Visitor(op, broadcast, a, b, y);
        broadcast.Run(ref visitor);
    }

    /// <summary>The plain twin: one element at a time through explicit broadcast indices.</summary>
    public static float Apply(BinaryOp op, float a, float b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        _ => a / b,
    };

    private ref struct Visitor(BinaryOp op, Broadcast broadcast, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) : IRunVisitor
    {
        private readonly ReadOnlySpan<float> _a = a;
        private readonly ReadOnlySpan<float> _b = b;
        private readonly Span<float> _y = y;

        public readonly void Visit(int offsetA, int offsetB, int offsetOut)
        {
            int n = broadcast.InnerLength;
            var output = _y.Slice(offsetOut, n);
            bool aScalar = broadcast.InnerStrideA == 0, bScalar = broadcast.InnerStrideB == 0;
            if (aScalar && bScalar)
            {
                output.Fill(Apply(op, _a[offsetA], _b[offsetB]));
                return;
            }

            if (bScalar)
            {
                var xa = _a.Slice(offsetA, n);
                float sb = _b[offsetB];
                switch (op)
                {
                    case BinaryOp.Add: TensorPrimitives.Add(xa, sb, output); break;
                    case BinaryOp.Sub: TensorPrimitives.Subtract(xa, sb, output); break;
                    case BinaryOp.Mul: TensorPrimitives.Multiply(xa, sb, output); break;
                    default: TensorPrimitives.Divide(xa, sb, output); break;
                }

                return;
            }

            var xb = _b.Slice(offsetB, n);
            if (aScalar)
            {
                float sa = _a[offsetA];
                switch (op)
                {
                    case BinaryOp.Add: TensorPrimitives.Add(xb, sa, output); break;
                    case BinaryOp.Sub: TensorPrimitives.Subtract(sa, xb, output); break;
                    case BinaryOp.Mul: TensorPrimitives.Multiply(xb, sa, output); break;
                    default: TensorPrimitives.Divide(sa, xb, output); break;
                }

                return;
            }

            var x = _a.Slice(offsetA, n);
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(x, xb, output); break;
                case BinaryOp.Sub: TensorPrimitives.Subtract(x, xb, output); break;
                case BinaryOp.Mul: TensorPrimitives.Multiply(x, xb, output); break;
                default: TensorPrimitives.Divide(x, xb, output); break;
            }
        }
    }
}
