using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using A = EdgePrune.Core.Ir.AttributeValue;

namespace EdgePrune.TestSupport;

/// <summary>
/// Generates small random graphs over EdgePrune's op set: a chain with occasional residual branches,
/// random shapes, attributes and opset, each node chosen to be valid for the shape it receives.
/// Used as property tests against ONNX Runtime. Deterministic per seed.
/// </summary>
public sealed class RandomGraphs
{
    private readonly Random _random;
    private readonly GraphBuilder _builder;
    private readonly int _opset;
    private int _constants;

    private RandomGraphs(int seed)
    {
        _random = new Random(seed);
        _opset = new[] { 11, 13, 17, 21 }[_random.Next(4)];
        _builder = new GraphBuilder(_opset, $"random_{seed}");
    }

    /// <summary>A random graph and inputs for it.</summary>
    public static (Graph Graph, Dictionary<string, Tensor> Inputs) Create(int seed, int steps = 6)
    {
        var g = new RandomGraphs(seed);
        return g.Build(steps);
    }

    private (Graph, Dictionary<string, Tensor>) Build(int steps)
    {
        bool image = _random.Next(3) > 0;
        int[] shape = image
            ? [1 + _random.Next(2), 1 + _random.Next(4), 4 + _random.Next(6), 4 + _random.Next(6)]
            : [1 + _random.Next(3), 2 + _random.Next(12)];
        string x = _builder.Input("x", DataType.Float, shape.Select(d => (Dim)d).ToArray());
        var inputs = new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(_random, shape) };

        string current = x;
        for (int i = 0; i < steps; i++)
        {
            int[] s = ShapeOf(current);
            string? next = s.Length switch
            {
                4 => Image(current, s),
                2 => Matrix(current, s),
                _ => Any(current, s),
            };
            if (next is not null)
            {
                current = next;
            }
        }

        _builder.Output(current);
        return (_builder.Build(), inputs);
    }

    private int[] ShapeOf(string value)
    {
        var partial = _builder.Build();
        var probe = partial with { Outputs = [new ValueInfo(value, new TensorType(DataType.Undefined, null))] };
        var (inferred, problems) = ShapeInference.TryInfer(probe);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("generator built an invalid graph: " + string.Join("; ", problems));
        }

        return inferred.TypeOf(value)!.ConcreteShape();
    }

    private string? Image(string x, int[] s)
    {
        int c = s[1], h = s[2], w = s[3];
        switch (_random.Next(16))
        {
            case 0:
            case 1:
            {
                int group = c % 2 == 0 && _random.Next(2) == 0 ? (_random.Next(2) == 0 ? c : 2) : 1;
                int outC = group == c ? c * (1 + _random.Next(2)) : group * (1 + _random.Next(3));
                int k = 1 + _random.Next(Math.Min(3, Math.Min(h, w)));
                var attrs = new Dictionary<string, A>
                {
                    ["group"] = A.Of((long)group),
                    ["strides"] = A.Of((long)(1 + _random.Next(2)), 1 + _random.Next(2)),
                };
                if (_random.Next(2) == 0)
                {
                    attrs["auto_pad"] = A.Of(_random.Next(2) == 0 ? "SAME_UPPER" : "SAME_LOWER");
                }
                else
                {
                    long p = _random.Next(k);
                    attrs["pads"] = A.Of(p, _random.Next(k), p, _random.Next(k));
                }

                if (k > 1 && h > 4 && w > 4 && _random.Next(3) == 0 && !attrs.ContainsKey("auto_pad"))
                {
                    attrs["dilations"] = A.Of(2L, 2L);
                }

                var inputs = new List<string> { x, Constant([outC, c / group, k, k], 0.5f) };
                if (_random.Next(2) == 0)
                {
                    inputs.Add(Constant([outC], 0.2f));
                }

                return _builder.Op("Conv", [.. inputs], attrs);
            }

            case 2:
                return _builder.Op(new[] { "Relu", "Sigmoid", "Tanh" }[_random.Next(3)], [x]);
            case 3:
                return _builder.Op(new[] { "Add", "Mul", "Sub" }[_random.Next(3)], [x, Constant([c, 1, 1], 1f)]);
            case 4:
            {
                int k = 1 + _random.Next(Math.Min(3, Math.Min(h, w)));
                var attrs = new Dictionary<string, A> { ["kernel_shape"] = A.Of((long)k, k), ["strides"] = A.Of((long)(1 + _random.Next(2)), 1 + _random.Next(2)) };
                string op = _random.Next(2) == 0 ? "MaxPool" : "AveragePool";
                if (_random.Next(2) == 0)
                {
                    attrs["ceil_mode"] = A.Of(1L);
                }

                if (op == "AveragePool" && _random.Next(2) == 0 && k > 1)
                {
                    attrs["pads"] = A.Of(1L, 0, 1, 0);
                    attrs["count_include_pad"] = A.Of((long)_random.Next(2));
                }

                return _builder.Op(op, [x], attrs);
            }

            case 5:
                return _builder.Op("BatchNormalization", [x, Constant([c], 1f), Constant([c], 0.5f), Constant([c], 0.5f), Positive([c])],
                    new Dictionary<string, A> { ["epsilon"] = A.Of(1e-3f) });
            case 6:
                return _builder.Op(_random.Next(2) == 0 ? "GlobalAveragePool" : "GlobalMaxPool", [x]);
            case 7:
                return _builder.Op("Flatten", [x], new Dictionary<string, A> { ["axis"] = A.Of(1L) });
            case 8:
                return _builder.Op("Transpose", [x], new Dictionary<string, A> { ["perm"] = A.Of(0L, 1, 3, 2) });
            case 9:
                return _builder.Op("Concat", [x, _builder.Op("Relu", [x])], new Dictionary<string, A> { ["axis"] = A.Of(1L) });
            case 10:
                return Residual(x, s);
            case 11:
                return _builder.Op("LeakyRelu", [x], new Dictionary<string, A> { ["alpha"] = A.Of(0.1f) });
            case 12:
            {
                // Reflect padding needs each padded axis longer than its pad (ONNX Runtime enforces it).
                string[] modes = h >= 2 && w >= 2 ? ["constant", "reflect", "edge"] : ["constant", "edge"];
                return _builder.Op("Pad", [x, Constant64([0, 0, 1, _random.Next(2), 0, 0, _random.Next(2), 1])], new Dictionary<string, A> { ["mode"] = A.Of(modes[_random.Next(modes.Length)]) });
            }
            case 13:
            {
                // roi only became optional in opset 13.
                string roi = _opset >= 13 ? "" : Constant([0], 0f, exact: []);
                return _builder.Op("Resize", [x, roi, Constant([4], 0f, exact: [1f, 1f, 2f, 2f])], new Dictionary<string, A> { ["mode"] = A.Of("nearest") });
            }
            case 14:
                return _builder.Op("Softmax", [x], new Dictionary<string, A> { ["axis"] = A.Of(_opset >= 13 ? 1L : 1L) });
            default:
                return Reduce(x, s.Length);
        }
    }

    private string? Matrix(string x, int[] s)
    {
        int n = s[1];
        switch (_random.Next(12))
        {
            case 0:
            case 1:
            {
                int m = 2 + _random.Next(10);
                bool transB = _random.Next(2) == 0;
                return _builder.Op("Gemm", [x, Constant(transB ? [m, n] : [n, m], 0.5f), Constant([m], 0.1f)],
                    new Dictionary<string, A> { ["transB"] = A.Of(transB ? 1L : 0L) });
            }

            case 2:
                return _builder.Op("MatMul", [x, Constant([n, 2 + _random.Next(8)], 0.5f)]);
            case 3:
                return _builder.Op(new[] { "Relu", "Sigmoid", "Tanh", "Abs", "Neg", "HardSigmoid" }[_random.Next(6)], [x]);
            case 4:
                return _builder.Op("Softmax", [x], new Dictionary<string, A> { ["axis"] = A.Of(_opset >= 13 ? -1L : 1L) });
            case 5:
                return _opset >= 17
                    ? _builder.Op("LayerNormalization", [x, Constant([n], 1f), Constant([n], 0.1f)])
                    : _builder.Op("LogSoftmax", [x], new Dictionary<string, A> { ["axis"] = A.Of(1L) });
            case 6:
                return _builder.Op("Div", [x, Positive([n])]);
            case 7:
                return Clip(x);
            case 8:
                return _builder.Op("Gather", [x, Constant64([_random.Next(n), -1])], new Dictionary<string, A> { ["axis"] = A.Of(1L) });
            case 9:
                return Unsqueeze(x);
            case 10:
                return Residual(x, s);
            default:
                return _builder.Op("Sqrt", [_builder.Op("Add", [_builder.Op("Abs", [x]), Constant([1], 0f, exact: [0.01f])])]);
        }
    }

    private string? Any(string x, int[] s) => _random.Next(2) == 0
        ? _builder.Op("Reshape", [x, Constant64([s[0], -1])])
        : _builder.Op("Flatten", [x], new Dictionary<string, A> { ["axis"] = A.Of(1L) });

    private string Residual(string x, int[] s) =>
        _builder.Op("Add", [x, _builder.Op("Relu", [_builder.Op("Mul", [x, Constant([s[^1]], 1f)])])]);

    private string Reduce(string x, int rank)
    {
        string op = new[] { "ReduceMean", "ReduceSum", "ReduceMax" }[_random.Next(3)];
        long axis = -1 - _random.Next(rank - 1);
        bool axesAsInput = op == "ReduceSum" ? _opset >= 13 : _opset >= 18;
        var attrs = new Dictionary<string, A> { ["keepdims"] = A.Of(1L) };
        if (axesAsInput)
        {
            return _builder.Op(op, [x, Constant64([axis])], attrs);
        }

        attrs["axes"] = A.Of(new[] { axis });
        return _builder.Op(op, [x], attrs);
    }

    private string Clip(string x) => _opset >= 11
        ? _builder.Op("Clip", [x, Constant([], 0f, exact: [-0.5f]), Constant([], 0f, exact: [0.5f])])
        : _builder.Op("Clip", [x], new Dictionary<string, A> { ["min"] = A.Of(-0.5f), ["max"] = A.Of(0.5f) });

    private string Unsqueeze(string x)
    {
        string u = _opset >= 13
            ? _builder.Op("Unsqueeze", [x, Constant64([1])])
            : _builder.Op("Unsqueeze", [x], new Dictionary<string, A> { ["axes"] = A.Of(new[] { 1L }) });
        return _opset >= 13
            ? _builder.Op("Squeeze", [u, Constant64([1])])
            : _builder.Op("Squeeze", [u], new Dictionary<string, A> { ["axes"] = A.Of(new[] { 1L }) });
    }

    private string Constant(int[] shape, float scale, float[]? exact = null)
    {
        var t = exact is not null ? Tensor.FromArray(exact, shape) : TestTensors.Uniform(_random, shape, -scale, scale);
        return _builder.Initializer($"const_{_constants++}", t);
    }

    private string Positive(int[] shape) => _builder.Initializer($"const_{_constants++}", TestTensors.Uniform(_random, shape, 0.5f, 1.5f));

    private string Constant64(long[] values) => _builder.Initializer($"const_{_constants++}", Tensor.FromArray(values, values.Length));
}
