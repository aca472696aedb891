using System.Numerics.Tensors;
using EdgePrune.Core.Ops.Common;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

internal enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

/// <summary>
/// Add, Sub, Mul, Div and Pow with numpy broadcasting. The gradient of an operand that was broadcast is summed
/// over the broadcast axes: every output element adds into the one operand element it read.
/// ∂(a^b)/∂b = a^b·ln a is taken as 0 where a ≤ 0 (the real power is not differentiable in b there).
/// </summary>
internal sealed class BinaryGrad(BinaryOp op) : OpRule
{
    public override bool IsDifferentiable(int index) => index is 0 or 1;

    public override void Forward(NodeRun run)
    {
        var a = run.FloatInput(0);
        var b = run.FloatInput(1);
        var y = run.Outputs[0];
        var state = run.StateAs<BroadcastIndex>();
        state.Prepare(a.Shape, b.Shape);
        y.Resize(state.OutputShape);
        if (state.Same)
        {
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(a.Span, b.Span, y.Span); return;
                case BinaryOp.Sub: TensorPrimitives.Subtract(a.Span, b.Span, y.Span); return;
                case BinaryOp.Mul: TensorPrimitives.Multiply(a.Span, b.Span, y.Span); return;
                case BinaryOp.Div: TensorPrimitives.Divide(a.Span, b.Span, y.Span); return;
            }
        }

        var av = a.Span;
        var bv = b.Span;
        var yv = y.Span;
        for (int o = 0; o < yv.Length; o++)
        {
            float p = av[state.A(o)], q = bv[state.B(o)];
            yv[o] = op switch
            {
                BinaryOp.Add => p + q,
                BinaryOp.Sub => p - q,
                BinaryOp.Mul => p * q,
                BinaryOp.Div => p / q,
                _ => MathF.Pow(p, q),
            };
        }
    }

    public override void Backward(NodeRun run)
    {
        var state = (BroadcastIndex)run.State!;
        var av = run.Inputs[0]!.Span;
        var bv = run.Inputs[1]!.Span;
        var yv = run.Outputs[0].Span;
        var gy = run.OutputGradients[0].Span;
        var ga = run.Gradient(0);
        var gb = run.Gradient(1);
        if (ga is not null)
        {
            var g = ga.Span;
            for (int o = 0; o < gy.Length; o++)
            {
                int i = state.A(o), j = state.B(o);
                g[i] += gy[o] * op switch
                {
                    BinaryOp.Add or BinaryOp.Sub => 1f,
                    BinaryOp.Mul => bv[j],
                    BinaryOp.Div => 1f / bv[j],
                    _ => bv[j] * MathF.Pow(av[i], bv[j] - 1f),
                };
            }
        }

        if (gb is not null)
        {
            var g = gb.Span;
            for (int o = 0; o < gy.Length; o++)
            {
                int i = state.A(o), j = state.B(o);
                g[j] += gy[o] * op switch
                {
                    BinaryOp.Add => 1f,
                    BinaryOp.Sub => -1f,
                    BinaryOp.Mul => av[i],
                    BinaryOp.Div => -yv[o] / bv[j],
                    _ => av[i] > 0 ? yv[o] * MathF.Log(av[i]) : 0f,
                };
            }
        }
    }

    /// <summary>For each output element of a broadcast, the element of each operand it reads; rebuilt only when shapes change.</summary>
    private sealed class BroadcastIndex
    {
        private int[] _aShape = [-1];
        private int[] _bShape = [-1];
        private int[] _a = [];
        private int[] _b = [];

        public int[] OutputShape { get; private set; } = [];

        public bool Same { get; private set; }

        public int A(int o) => Same ? o : _a[o];

        public int B(int o) => Same ? o : _b[o];

        public void Prepare(int[] aShape, int[] bShape)
        {
            if (aShape.AsSpan().SequenceEqual(_aShape) && bShape.AsSpan().SequenceEqual(_bShape))
            {
                return;
            }

            _aShape = aShape;
            _bShape = bShape;
            OutputShape = Broadcast.Shape(aShape, bShape);
            Same = aShape.AsSpan().SequenceEqual(bShape);
            if (Same)
            {
                return;
            }

            int count = OutputShape.Aggregate(1, (p, d) => p * d);
            _a = new int[count];
            _b = new int[count];
            Broadcast.ForEach(aShape, bShape, OutputShape, (o, i, j) =>
            {
                _a[o] = i;
                _b[o] = j;
            });
        }
    }
}
