using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

/// <summary>
/// Every op that only moves elements (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Transpose, Slice, Gather,
/// Split, Concat, Resize in nearest mode): each output element is a copy of exactly one input element. Rather than
/// re-deriving each op's indexing, the op's own Core reference kernel is run once on "index images" (input
/// element k of source input j replaced by offset_j + k + 1, exact in float below 2²⁴) and the result read back
/// as a gather map. Forward gathers through the map; backward scatters ∂Y back through it, adding where one input
/// element feeds several outputs. The map is rebuilt only when shapes or the non-data inputs change.
/// </summary>
internal sealed class IndexMapGrad(bool allInputs) : OpRule
{
    private const int ExactFloatLimit = 1 << 24;

    public override bool IsDifferentiable(int index) => allInputs || index == 0;

    public override void Forward(NodeRun run)
    {
        if (run.Node.OpType == "Resize" && run.Node.GetString("mode", "nearest") != "nearest")
        {
            throw new EdgePruneException($"{run.Node.Describe()}: Resize mode '{run.Node.GetString("mode", "")}' has no backward rule; only 'nearest' trains");
        }

        var map = run.StateAs<GatherMap>();
        if (!map.Matches(run, allInputs))
        {
            map.Build(run, allInputs);
        }

        for (int k = 0; k < map.Index.Length; k++)
        {
            var y = run.Outputs[k];
            y.Resize(map.OutputShapes[k]);
            var ys = y.Span;
            var index = map.Index[k];
            var source = map.Source[k];
            if (map.IsIdentity[k])
            {
                run.Inputs[source[0]]!.Span.CopyTo(ys);
                continue;
            }

            for (int o = 0; o < ys.Length; o++)
            {
                ys[o] = index[o] < 0 ? 0f : run.Inputs[source[o]]!.Data[index[o]];
            }
        }
    }

    public override void Backward(NodeRun run)
    {
        var map = (GatherMap)run.State!;
        for (int k = 0; k < map.Index.Length; k++)
        {
            var gy = run.OutputGradients[k].Span;
            var index = map.Index[k];
            var source = map.Source[k];
            for (int o = 0; o < gy.Length; o++)
            {
                if (index[o] >= 0 && run.InputGradients[source[o]] is { } g)
                {
                    g.Data[index[o]] += gy[o];
                }
            }
        }
    }

    private sealed class GatherMap
    {
        private int[][] _inputShapes = [];
        private float[][] _keys = [];
        private Tensor?[] _keyTensors = [];

        public int[][] Index { get; private set; } = [];

        public byte[][] Source { get; private set; } = [];

        public int[][] OutputShapes { get; private set; } = [];

        public bool[] IsIdentity { get; private set; } = [];

        public bool Matches(NodeRun run, bool allInputs)
        {
            if (_inputShapes.Length != run.Inputs.Length)
            {
                return false;
            }

            for (int j = 0; j < run.Inputs.Length; j++)
            {
                var value = run.Inputs[j];
                if (value is null)
                {
                    continue;
                }

                if (!value.Shape.AsSpan().SequenceEqual(_inputShapes[j]))
                {
                    return false;
                }

                if (!IsData(j, allInputs, value) && !ReferenceEquals(value.NonFloat, _keyTensors[j]) && !KeyOf(value).AsSpan().SequenceEqual(_keys[j]))
                {
                    return false;
                }
            }

            return true;
        }

        public void Build(NodeRun run, bool allInputs)
        {
            var args = new Tensor?[run.Inputs.Length];
            int offset = 0;
            _inputShapes = new int[run.Inputs.Length][];
            _keys = new float[run.Inputs.Length][];
            _keyTensors = new Tensor?[run.Inputs.Length];
            var starts = new List<(int Start, int Input)>();
            for (int j = 0; j < run.Inputs.Length; j++)
            {
                var value = run.Inputs[j];
                _inputShapes[j] = value?.Shape ?? [];
                _keys[j] = [];
                if (value is null)
                {
                    continue;
                }

                if (!IsData(j, allInputs, value))
                {
                    _keys[j] = KeyOf(value);
                    _keyTensors[j] = value.NonFloat;
                    args[j] = value.ToTensor();
                    continue;
                }

                if ((long)offset + value.Count >= ExactFloatLimit)
                {
                    throw new EdgePruneException($"{run.Node.Describe()}: more than {ExactFloatLimit} elements move through this node; training supports fewer");
                }

                var image = new float[value.Count];
                for (int i = 0; i < image.Length; i++)
                {
                    image[i] = offset + i + 1;
                }

                starts.Add((offset, j));
                args[j] = Tensor.FromArray(image, value.Shape);
                offset += value.Count;
            }

            var results = OpSet.Default.Get(run.Node).Execute(run.Node, run.Opset, args);
            int outputs = Math.Min(results.Length, run.Outputs.Length);
            Index = new int[outputs][];
            Source = new byte[outputs][];
            OutputShapes = new int[outputs][];
            IsIdentity = new bool[outputs];
            for (int k = 0; k < outputs; k++)
            {
                var codes = results[k].Span<float>();
                var index = new int[codes.Length];
                var source = new byte[codes.Length];
                bool identity = starts.Count == 1 && codes.Length == run.Inputs[starts[0].Input]!.Count;
                for (int o = 0; o < codes.Length; o++)
                {
                    int code = (int)codes[o] - 1;
                    if (code < 0)
                    {
                        index[o] = -1;
                        identity = false;
                        continue;
                    }

                    var (start, input) = starts.Last(s => s.Start <= code);
                    index[o] = code - start;
                    source[o] = checked((byte)input);
                    identity &= index[o] == o;
                }

                Index[k] = index;
                Source[k] = source;
                OutputShapes[k] = results[k].Shape.ToArray();
                IsIdentity[k] = identity;
            }
        }

        private static bool IsData(int j, bool allInputs, Value value) => value.IsFloat && (allInputs || j == 0);

        private static float[] KeyOf(Value value) => value.IsFloat
            ? value.Span.ToArray()
            : Array.ConvertAll(value.NonFloat!.ToInt64Array(), v => (float)v);
    }
}
