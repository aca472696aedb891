using System.Security.Cryptography;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Memory;
using EdgePrune.Core.Ops;
using EdgePrune.Core.Rewrites;
using EdgePrune.Runtime.Format;
using CoreConvGeometry = EdgePrune.Core.Ops.Common.ConvGeometry;

namespace EdgePrune.Export.Epb;

/// <summary>
/// Writes a graph as <c>.epb</c> (docs/format.md). The graph is first simplified by <see cref="RewritePipeline.Default"/>
/// (BatchNorm folded, Identity/Dropout removed) and shape-inferred (batch 1 for symbolic dimensions). Each ONNX node becomes
/// one .epb op (Gemm/MatMul with constant weights → FullyConnected with [N, K] weights; Reshape/Flatten/Squeeze/Unsqueeze
/// → Copy; a Relu or Clip that alone consumes a FullyConnected or Conv is fused into it); every weight matrix takes its
/// smallest (or, with <see cref="EpbWriteOptions.Optimize"/>, fastest) exact encoding; activations are placed by <see cref="ArenaPlanner"/>.
/// </summary>
public static class EpbWriter
{
    public static EpbExport Write(Graph graph, EpbWriteOptions? options = null)
    {
        options ??= new EpbWriteOptions();
        var simplified = ShapeInference.Infer(RewritePipeline.Default.Apply(graph), graph.Name);
        var program = new ProgramBuilder(simplified, options);
        program.Lower();
        return program.Serialize();
    }

    private sealed class TensorDef
    {
        public required string Name { get; init; }
        public required EpbDataType Type { get; init; }
        public required int[] Shape { get; init; }
        public QuantParams? Quant { get; init; }
        public EncodedWeight? Data { get; init; }
        public long ArenaOffset { get; set; }

        public int Count => Shape.Aggregate(1, (a, b) => a * b);

        public long Bytes => (long)Count * (Type == EpbDataType.Int8 ? 1 : 4);
    }

    private sealed record OpDef(OpCode Op, int[] Inputs, int[] Outputs, List<(AttributeId Id, long[] Ints)> Ints, List<(AttributeId Id, float[] Floats)> Floats);

    private sealed class ProgramBuilder(Graph graph, EpbWriteOptions options)
    {
        private readonly List<TensorDef> _tensors = [];
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly List<OpDef> _ops = [];
        private readonly List<WeightSize> _weightSizes = [];
        private readonly Dictionary<string, string> _renamed = new(StringComparer.Ordinal);
        private readonly EpbQuantization _q = options.Quantization ?? new EpbQuantization();

        public void Lower()
        {
            foreach (var input in graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)))
            {
                Activation(input.Name, Shape(input.Name), _q.Activations.GetValueOrDefault(input.Name));
            }

            var consumers = graph.Nodes.SelectMany(n => n.Inputs).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var fused = new HashSet<Node>();
            for (int i = 0; i < graph.Nodes.Length; i++)
            {
                var node = graph.Nodes[i];
                if (fused.Contains(node))
                {
                    continue;
                }

                Node? activation = null;
                if (node.OpType is "Gemm" or "MatMul" or "Conv" && i + 1 < graph.Nodes.Length)
                {
                    var next = graph.Nodes[i + 1];
                    string output = node.Outputs[0];
                    if (next.OpType is "Relu" or "Clip" && next.Inputs.Length > 0 && next.Inputs[0] == output
                        && consumers.GetValueOrDefault(output) == 1 && !graph.IsGraphOutput(output))
                    {
                        activation = next;
                        fused.Add(next);
                    }
                }

                LowerNode(node, activation);
            }

            foreach (var output in graph.Outputs)
            {
                if (!_index.ContainsKey(output.Name))
                {
                    throw new EdgePruneException($"graph output '{output.Name}' is not computed by any node the .epb writer lowered");
                }
            }
        }

        private void LowerNode(Node node, Node? activation)
        {
            string outputName = (activation ?? node).Outputs[0];
            var (min, max) = activation is null ? (float.NegativeInfinity, float.PositiveInfinity) : ClipRange(activation);
            var fusedAttr = activation is null ? [] : new List<(AttributeId, long[])> { (AttributeId.Activation, [activation.OpType == "Relu" ? (long)FusedActivation.Relu : (long)FusedActivation.Clip]) };
            var fusedFloats = activation?.OpType == "Clip" ? new List<(AttributeId, float[])> { (AttributeId.Min, [min]), (AttributeId.Max, [max]) } : [];
            switch (node.OpType)
            {
                case "Gemm":
                case "MatMul":
                    LowerFullyConnected(node, outputName, fusedAttr, fusedFloats);
                    break;
                case "Conv":
                    LowerConv(node, outputName, fusedAttr, fusedFloats);
                    break;
                case "MaxPool":
                case "AveragePool":
                    LowerPool(node);
                    break;
                case "GlobalAveragePool":
                    Emit(node, OpCode.GlobalAveragePool, [node.Inputs[0]], node.Outputs[0], int8Capable: SameQuant(node.Inputs[0], node.Outputs[0]));
                    break;
                case "Add":
                case "Sub":
                case "Mul":
                case "Div":
                    var op = Enum.Parse<OpCode>(node.OpType);
                    Emit(node, op, [node.Inputs[0], node.Inputs[1]], node.Outputs[0], int8Capable: op != OpCode.Div && node.Inputs.All(i => !graph.Initializers.ContainsKey(i)));
                    break;
                case "Relu":
                case "Clip":
                {
                    var (lo, hi) = ClipRange(node);
                    Emit(node, node.OpType == "Relu" ? OpCode.Relu : OpCode.Clip, [node.Inputs[0]], node.Outputs[0], int8Capable: SameQuant(node.Inputs[0], node.Outputs[0]),
                        floats: node.OpType == "Clip" ? [(AttributeId.Min, [lo]), (AttributeId.Max, [hi])] : []);
                    break;
                }

                case "Sigmoid":
                case "Tanh":
                    Emit(node, Enum.Parse<OpCode>(node.OpType), [node.Inputs[0]], node.Outputs[0], int8Capable: false);
                    break;
                case "LeakyRelu":
                    Emit(node, OpCode.LeakyRelu, [node.Inputs[0]], node.Outputs[0], int8Capable: false, floats: [(AttributeId.Alpha, [node.GetFloat("alpha", 0.01f)])]);
                    break;
                case "Softmax":
                    Emit(node, OpCode.Softmax, [node.Inputs[0]], node.Outputs[0], int8Capable: false, ints: [(AttributeId.SoftmaxShape, SoftmaxShape(node))]);
                    break;
                case "Reshape":
                case "Flatten":
                case "Squeeze":
                case "Unsqueeze":
                case "Identity":
                case "Dropout":
                    Emit(node, OpCode.Copy, [node.Inputs[0]], node.Outputs[0], int8Capable: SameQuant(node.Inputs[0], node.Outputs[0]));
                    break;
                case "Concat":
                {
                    int rank = Shape(node.Outputs[0]).Length;
                    long axis = node.GetInt("axis", 0);
                    Emit(node, OpCode.Concat, [.. node.Inputs], node.Outputs[0], int8Capable: node.Inputs.All(i => SameQuant(i, node.Outputs[0])),
                        ints: [(AttributeId.Axis, [axis < 0 ? axis + rank : axis])]);
                    break;
                }

                case "Transpose":
                {
                    int rank = Shape(node.Inputs[0]).Length;
                    long[] perm = node.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(v => (long)v).ToArray();
                    Emit(node, OpCode.Transpose, [node.Inputs[0]], node.Outputs[0], int8Capable: SameQuant(node.Inputs[0], node.Outputs[0]), ints: [(AttributeId.Perm, perm)]);
                    break;
                }

                default:
                    throw new EdgePruneException($"{node.Describe()}: op {node.OpType} has no .epb equivalent (supported: Gemm, MatMul with constant weights, Conv 1-D/2-D, MaxPool, AveragePool, GlobalAveragePool, Add, Sub, Mul, Div, Relu, Clip, Sigmoid, Tanh, LeakyRelu, Softmax, Reshape, Flatten, Squeeze, Unsqueeze, Concat, Transpose)");
            }
        }

        private void LowerFullyConnected(Node node, string output, List<(AttributeId, long[])> ints, List<(AttributeId, float[])> floats)
        {
            string a = node.Inputs[0], b = node.Inputs[1];
            bool gemm = node.OpType == "Gemm";
            if (!graph.Initializers.TryGetValue(b, out var weights) || weights.Rank != 2)
            {
                throw new EdgePruneException($"{node.Describe()}: the .epb writer needs the second input '{b}' to be a constant matrix");
            }

            if (gemm && node.GetInt("transA", 0) != 0)
            {
                throw new EdgePruneException($"{node.Describe()}: transA = 1 is not supported by the .epb writer");
            }

            bool transposed = gemm && node.GetInt("transB", 0) != 0;
            float alpha = gemm ? node.GetFloat("alpha", 1f) : 1f, beta = gemm ? node.GetFloat("beta", 1f) : 1f;
            int n = transposed ? weights.Shape[0] : weights.Shape[1];
            int k = transposed ? weights.Shape[1] : weights.Shape[0];
            string? biasName = gemm ? node.OptionalInput(2) : null;
            bool int8 = _q.Weights.TryGetValue(b, out var qw) && IsQuantized(output) && IsQuantized(a);
            int weightIndex, biasIndex = -1;
            if (int8)
            {
                var data = transposed ? qw!.Data : TransposeInt8(qw!.Data, k, n);
                var scales = qw.Params.Scales;
                if (alpha != 1f)
                {
                    scales = scales.Select(s => s * alpha).ToArray();
                }

                weightIndex = Constant(b, EpbDataType.Int8, [n, k], ToBytes(data), data, new QuantParams(scales, new int[scales.Length], scales.Length == 1 ? -1 : 0), node, sparse: true);
                if (biasName is not null)
                {
                    var sIn = _q.Activations[a].Scales[0];
                    int[] bias = _q.Biases.TryGetValue(biasName, out var given) ? given
                        : BiasVector(biasName, n, beta).Select((v, i) => (int)Math.Round(v / ((double)sIn * scales[scales.Length == 1 ? 0 : i]), MidpointRounding.AwayFromZero)).ToArray();
                    biasIndex = Constant(biasName + "/int32", EpbDataType.Int32, [n], ToBytes(bias), null, null, node, sparse: false);
                }
            }
            else
            {
                var w = weights.ToFloatArray();
                var matrix = transposed ? w : TransposeFloat(w, k, n);
                if (alpha != 1f)
                {
                    matrix = matrix.Select(v => v * alpha).ToArray();
                }

                weightIndex = Constant(b, EpbDataType.Float32, [n, k], ToBytes(matrix), null, null, node, sparse: options.AllowSparse);
                if (biasName is not null)
                {
                    biasIndex = Constant(biasName + "/bias", EpbDataType.Float32, [n], ToBytes(BiasVector(biasName, n, beta)), null, null, node, sparse: false);
                }
            }

            EmitWithConstants(node, OpCode.FullyConnected, a, weightIndex, biasIndex, output, int8, ints, floats);
        }

        private void LowerConv(Node node, string output, List<(AttributeId, long[])> ints, List<(AttributeId, float[])> floats)
        {
            string x = node.Inputs[0], wName = node.Inputs[1];
            var inShape = Shape(x);
            if (!graph.Initializers.TryGetValue(wName, out var weights) || inShape.Length is not (3 or 4))
            {
                throw new EdgePruneException($"{node.Describe()}: the .epb writer supports 1-D and 2-D Conv with constant weights");
            }

            int spatial = inShape.Length - 2;
            var geometry = CoreConvGeometry.Read(node, spatial, weights.Shape[2..].ToArray());
            var (begin, end, _) = geometry.Resolve(inShape.AsSpan(2));
            ints = [.. ints,
                (AttributeId.Strides, geometry.Strides.Select(v => (long)v).ToArray()),
                (AttributeId.Dilations, geometry.Dilations.Select(v => (long)v).ToArray()),
                (AttributeId.Pads, begin.Concat(end).Select(v => (long)v).ToArray()),
                (AttributeId.Group, [node.GetInt("group", 1)])];
            string? biasName = node.OptionalInput(2);
            int m = weights.Shape[0];
            bool int8 = _q.Weights.TryGetValue(wName, out var qw) && IsQuantized(output) && IsQuantized(x);
            int weightIndex, biasIndex = -1;
            int[] shape = weights.Shape.ToArray();
            if (int8)
            {
                weightIndex = Constant(wName, EpbDataType.Int8, shape, ToBytes(qw!.Data), qw.Data, qw.Params with { ZeroPoints = new int[qw.Params.Scales.Length], Axis = qw.Params.Scales.Length == 1 ? -1 : 0 }, node, sparse: true);
                if (biasName is not null)
                {
                    var sIn = _q.Activations[x].Scales[0];
                    var scales = qw.Params.Scales;
                    int[] bias = _q.Biases.TryGetValue(biasName, out var given) ? given
                        : BiasVector(biasName, m, 1f).Select((v, i) => (int)Math.Round(v / ((double)sIn * scales[scales.Length == 1 ? 0 : i]), MidpointRounding.AwayFromZero)).ToArray();
                    biasIndex = Constant(biasName + "/int32", EpbDataType.Int32, [m], ToBytes(bias), null, null, node, sparse: false);
                }
            }
            else
            {
                weightIndex = Constant(wName, EpbDataType.Float32, shape, ToBytes(weights.ToFloatArray()), null, null, node, sparse: options.AllowSparse);
                if (biasName is not null)
                {
                    biasIndex = Constant(biasName + "/bias", EpbDataType.Float32, [m], ToBytes(BiasVector(biasName, m, 1f)), null, null, node, sparse: false);
                }
            }

            EmitWithConstants(node, OpCode.Conv, x, weightIndex, biasIndex, output, int8, ints, floats);
        }

        private void LowerPool(Node node)
        {
            var inShape = Shape(node.Inputs[0]);
            if (inShape.Length is not (3 or 4) || node.Outputs.Count(o => o.Length > 0) != 1)
            {
                throw new EdgePruneException($"{node.Describe()}: the .epb writer supports 1-D and 2-D pools with one output");
            }

            int spatial = inShape.Length - 2;
            var geometry = CoreConvGeometry.Read(node, spatial, null);
            if (geometry.Dilations.Any(d => d != 1) || node.GetInt("storage_order", 0) != 0)
            {
                throw new EdgePruneException($"{node.Describe()}: dilated pools and storage_order 1 are not supported by the .epb writer");
            }

            var (begin, end, _) = geometry.Resolve(inShape.AsSpan(2));
            bool max = node.OpType == "MaxPool";
            Emit(node, max ? OpCode.MaxPool : OpCode.AveragePool, [node.Inputs[0]], node.Outputs[0],
                int8Capable: SameQuant(node.Inputs[0], node.Outputs[0]) && (max || node.GetInt("count_include_pad", 0) == 0),
                ints: [
                    (AttributeId.KernelShape, geometry.Kernel.Select(v => (long)v).ToArray()),
                    (AttributeId.Strides, geometry.Strides.Select(v => (long)v).ToArray()),
                    (AttributeId.Pads, begin.Concat(end).Select(v => (long)v).ToArray()),
                    (AttributeId.CountIncludePad, [node.GetInt("count_include_pad", 0)])]);
        }

        private long[] SoftmaxShape(Node node)
        {
            var shape = Shape(node.Inputs[0]);
            long axis = node.GetInt("axis", graph.Opset >= 13 ? -1 : 1);
            int a = (int)(axis < 0 ? axis + shape.Length : axis);
            long outer = shape.Take(a).Aggregate(1L, (x, y) => x * y);
            if (graph.Opset < 13)
            {
                return [outer, shape.Skip(a).Aggregate(1L, (x, y) => x * y), 1];
            }

            return [outer, shape[a], shape.Skip(a + 1).Aggregate(1L, (x, y) => x * y)];
        }

        private (float Min, float Max) ClipRange(Node node)
        {
            if (node.OpType == "Relu")
            {
                return (0f, float.PositiveInfinity);
            }

            float Bound(int input, string attribute, float fallback)
            {
                string? name = node.OptionalInput(input);
                if (name is not null)
                {
                    return graph.Initializers.TryGetValue(name, out var t) ? t.ToFloatArray()[0]
                        : throw new EdgePruneException($"{node.Describe()}: the .epb writer needs Clip bounds to be constants");
                }

                return node.GetFloat(attribute, fallback);
            }

            return (Bound(1, "min", float.NegativeInfinity), Bound(2, "max", float.PositiveInfinity));
        }

        private float[] BiasVector(string name, int n, float beta)
        {
            var c = graph.Initializers.TryGetValue(name, out var t) ? t.ToFloatArray()
                : throw new EdgePruneException($"bias '{name}' must be a constant for the .epb writer");
            if (c.Length != 1 && c.Length != n)
            {
                throw new EdgePruneException($"bias '{name}' has {c.Length} values; the .epb writer needs 1 or {n}");
            }

            return Enumerable.Range(0, n).Select(i => beta * c[c.Length == 1 ? 0 : i]).ToArray();
        }

        private bool IsQuantized(string value) => _q.Activations.ContainsKey(value);

        private bool SameQuant(string a, string b) =>
            _q.Activations.TryGetValue(a, out var qa) && _q.Activations.TryGetValue(b, out var qb)
            && qa.Scales[0] == qb.Scales[0] && qa.ZeroPoints[0] == qb.ZeroPoints[0];

        private int[] Shape(string value) =>
            graph.TypeOf(value) is { } type ? ConcreteShapes.Of(type, value).ConcreteShape()
            : throw new EdgePruneException($"value '{value}' has no inferred shape; the .epb writer needs concrete shapes");

        /// <summary>
        /// Emits an op over activations and dense constants. It runs in int8 when <paramref name="int8Capable"/> and its output and
        /// every activation input are quantized; otherwise in fp32, with int8 inputs dequantized and a quantized output requantized.
        /// </summary>
        private void Emit(Node node, OpCode op, string[] inputs, string output, bool int8Capable, List<(AttributeId, long[])>? ints = null, List<(AttributeId, float[])>? floats = null)
        {
            bool int8 = int8Capable && IsQuantized(output) && inputs.All(i => graph.Initializers.ContainsKey(i) || IsQuantized(i));
            var refs = inputs.Select(i => graph.Initializers.ContainsKey(i) ? ConstantInput(i, node) : ActivationInput(i, int8)).ToArray();
            EmitOutput(op, refs, output, int8, ints ?? [], floats ?? []);
        }

        private void EmitWithConstants(Node node, OpCode op, string x, int weights, int bias, string output, bool int8, List<(AttributeId, long[])> ints, List<(AttributeId, float[])> floats)
        {
            int[] refs = bias >= 0 ? [ActivationInput(x, int8), weights, bias] : [ActivationInput(x, int8), weights];
            EmitOutput(op, refs, output, int8, ints, floats);
        }

        private void EmitOutput(OpCode op, int[] inputs, string output, bool int8, List<(AttributeId, long[])> ints, List<(AttributeId, float[])> floats)
        {
            var quant = _q.Activations.GetValueOrDefault(output);
            if (int8 || quant is null)
            {
                _ops.Add(new OpDef(op, inputs, [Activation(output, Shape(output), int8 ? quant : null)], ints, floats));
                return;
            }

            int floatOut = Activation(output + "/float", Shape(output), null);
            _ops.Add(new OpDef(op, inputs, [floatOut], ints, floats));
            _ops.Add(new OpDef(OpCode.Quantize, [floatOut], [Activation(output, Shape(output), quant)], [], []));
        }

        /// <summary>The tensor holding <paramref name="value"/> in the wanted type, inserting a Dequantize when it is int8 and fp32 is wanted.</summary>
        private int ActivationInput(string value, bool wantInt8)
        {
            int index = _index.TryGetValue(value, out int i) ? i
                : throw new EdgePruneException($"value '{value}' is read before it is computed");
            var tensor = _tensors[index];
            if (wantInt8 || tensor.Type == EpbDataType.Float32)
            {
                return index;
            }

            if (!_renamed.TryGetValue(value, out var dequantized))
            {
                dequantized = value + "/dequantized";
                _renamed[value] = dequantized;
                int floatIndex = Activation(dequantized, tensor.Shape, null);
                _ops.Add(new OpDef(OpCode.Dequantize, [index], [floatIndex], [], []));
            }

            return _index[dequantized];
        }

        private int ConstantInput(string name, Node node)
        {
            if (_index.TryGetValue(name, out int existing))
            {
                return existing;
            }

            var t = graph.Initializers[name];
            return Constant(name, EpbDataType.Float32, t.Shape.ToArray(), ToBytes(t.ToFloatArray()), null, null, node, sparse: false);
        }

        private int Activation(string name, int[] shape, QuantParams? quant)
        {
            if (_index.ContainsKey(name))
            {
                throw new EdgePruneException($"value '{name}' is written twice");
            }

            _tensors.Add(new TensorDef { Name = name, Type = quant is null ? EpbDataType.Float32 : EpbDataType.Int8, Shape = shape.Length == 0 ? [1] : shape, Quant = quant });
            return _index[name] = _tensors.Count - 1;
        }

        private int Constant(string name, EpbDataType type, int[] shape, byte[] raw, sbyte[]? int8Values, QuantParams? quant, Node node, bool sparse)
        {
            if (_index.TryGetValue(name, out int existing))
            {
                return existing;
            }

            shape = shape.Length == 0 ? [1] : shape;
            int size = type == EpbDataType.Int8 ? 1 : 4;
            var encoded = WeightEncoder.Choose(raw, size, shape[0], int8Values, sparse, options.Optimize);
            _tensors.Add(new TensorDef { Name = name, Type = type, Shape = shape, Quant = quant, Data = encoded });
            int nonzeros = Enumerable.Range(0, raw.Length / size).Count(i => raw.AsSpan(i * size, size).IndexOfAnyExcept((byte)0) >= 0);
            _weightSizes.Add(new WeightSize(node.Name, node.OpType, name, type.ToString().ToLowerInvariant(), encoded.Encoding.ToString(), encoded.Bytes, raw.Length, nonzeros, raw.Length / size));
            return _index[name] = _tensors.Count - 1;
        }

        public EpbExport Serialize()
        {
            var inputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).Select(i => _index[i.Name]).ToArray();
            var outputs = graph.Outputs.Select(o => _index[o.Name]).ToArray();
            long arenaBytes = PlanArena(inputs, outputs);
            var (weights, ranges) = WeightsSection();
            var sections = new List<(SectionKind Kind, byte[] Bytes)>
            {
                (SectionKind.Tensors, TensorSection(ranges)),
                (SectionKind.Graph, GraphSection()),
                (SectionKind.Weights, weights),
                (SectionKind.Arena, ArenaSection(arenaBytes)),
                (SectionKind.Metadata, MetadataSection(inputs, outputs)),
            };
            var file = EpbContainer.Assemble(sections);
            var report = new EpbReport(
                file.Length,
                sections.Select(s => new SectionSize(s.Kind.ToString().ToLowerInvariant(), s.Bytes.Length)).ToList(),
                _weightSizes,
                arenaBytes,
                _ops.Count);
            return new EpbExport(file, report);
        }

        private long PlanArena(int[] inputs, int[] outputs)
        {
            var first = new Dictionary<int, int>();
            var last = new Dictionary<int, int>();
            foreach (int i in inputs)
            {
                first[i] = last[i] = 0;
            }

            for (int step = 0; step < _ops.Count; step++)
            {
                foreach (int i in _ops[step].Inputs.Where(first.ContainsKey))
                {
                    last[i] = step;
                }

                foreach (int o in _ops[step].Outputs)
                {
                    first[o] = last[o] = step;
                }
            }

            foreach (int o in outputs)
            {
                last[o] = Math.Max(0, _ops.Count - 1);
            }

            var plan = ArenaPlanner.Plan(first.Keys.Select(t => new BufferRequest(_tensors[t].Name, _tensors[t].Bytes, first[t], last[t])).ToList());
            foreach (var buffer in plan.Buffers)
            {
                _tensors[_index[buffer.Name]].ArenaOffset = buffer.Offset;
            }

            return EpbLayout.AlignUp(plan.PeakBytes, EpbLayout.DataAlignment);
        }

        private (byte[] Bytes, Dictionary<int, (long Offset, long Length)[]> Ranges) WeightsSection()
        {
            var stream = new MemoryStream();
            var ranges = new Dictionary<int, (long, long)[]>();
            for (int t = 0; t < _tensors.Count; t++)
            {
                if (_tensors[t].Data is not { } data)
                {
                    continue;
                }

                ranges[t] = data.Ranges.Select(r =>
                {
                    stream.SetLength(EpbLayout.AlignUp(stream.Length, EpbLayout.DataAlignment));
                    stream.Position = stream.Length;
                    long offset = stream.Position;
                    stream.Write(r);
                    return (offset, (long)r.Length);
                }).ToArray();
            }

            return (stream.ToArray(), ranges);
        }

        private byte[] TensorSection(Dictionary<int, (long Offset, long Length)[]> ranges)
        {
            var stream = new MemoryStream();
            var w = new BinaryWriter(stream);
            w.Write((uint)_tensors.Count);
            for (int t = 0; t < _tensors.Count; t++)
            {
                var tensor = _tensors[t];
                EpbContainer.WriteString(w, tensor.Name);
                w.Write((byte)tensor.Type);
                w.Write((byte)(tensor.Data is null ? TensorKind.Activation : TensorKind.Constant));
                w.Write((byte)tensor.Shape.Length);
                var q = tensor.Quant;
                w.Write((byte)(q is null ? QuantKind.None : q.Axis < 0 ? QuantKind.PerTensor : QuantKind.PerChannel));
                foreach (int d in tensor.Shape)
                {
                    w.Write(d);
                }

                if (q is not null)
                {
                    w.Write(q.Axis);
                    w.Write((uint)q.Scales.Length);
                    foreach (float s in q.Scales)
                    {
                        w.Write(s);
                    }

                    foreach (int z in q.ZeroPoints)
                    {
                        w.Write(z);
                    }
                }

                if (tensor.Data is { } data)
                {
                    w.Write((byte)data.Encoding);
                    w.Write((byte)0);
                    w.Write((ushort)0);
                    w.Write(data.P0);
                    w.Write(data.P1);
                    w.Write(data.StoredCount);
                    w.Write((uint)data.Ranges.Length);
                    foreach (var (offset, length) in ranges[t])
                    {
                        w.Write((ulong)offset);
                        w.Write((ulong)length);
                    }
                }
            }

            return stream.ToArray();
        }

        private byte[] GraphSection()
        {
            var stream = new MemoryStream();
            var w = new BinaryWriter(stream);
            w.Write((uint)_ops.Count);
            foreach (var op in _ops)
            {
                w.Write((ushort)op.Op);
                w.Write((byte)op.Inputs.Length);
                w.Write((byte)op.Outputs.Length);
                foreach (int i in op.Inputs.Concat(op.Outputs))
                {
                    w.Write((uint)i);
                }

                w.Write((ushort)(op.Ints.Count + op.Floats.Count));
                foreach (var (id, values) in op.Ints)
                {
                    w.Write((ushort)id);
                    w.Write((byte)0);
                    w.Write((byte)0);
                    w.Write((ushort)values.Length);
                    foreach (long v in values)
                    {
                        w.Write(v);
                    }
                }

                foreach (var (id, values) in op.Floats)
                {
                    w.Write((ushort)id);
                    w.Write((byte)1);
                    w.Write((byte)0);
                    w.Write((ushort)values.Length);
                    foreach (float v in values)
                    {
                        w.Write(v);
                    }
                }
            }

            return stream.ToArray();
        }

        private byte[] ArenaSection(long arenaBytes)
        {
            var stream = new MemoryStream();
            var w = new BinaryWriter(stream);
            w.Write((ulong)arenaBytes);
            var activations = Enumerable.Range(0, _tensors.Count).Where(t => _tensors[t].Data is null).ToList();
            w.Write((uint)activations.Count);
            foreach (int t in activations)
            {
                w.Write((uint)t);
                w.Write((ulong)_tensors[t].ArenaOffset);
            }

            return stream.ToArray();
        }

        private byte[] MetadataSection(int[] inputs, int[] outputs)
        {
            var stream = new MemoryStream();
            var w = new BinaryWriter(stream);
            w.Write(options.SourceModel is null ? new byte[32] : SHA256.HashData(options.SourceModel));
            EpbContainer.WriteString(w, options.Producer);
            foreach (var refs in new[] { inputs, outputs })
            {
                w.Write((uint)refs.Length);
                foreach (int r in refs)
                {
                    w.Write((uint)r);
                }
            }

            w.Write((uint)options.Labels.Count);
            foreach (string label in options.Labels)
            {
                EpbContainer.WriteString(w, label);
            }

            return stream.ToArray();
        }

        private static float[] TransposeFloat(float[] w, int rows, int cols)
        {
            var t = new float[w.Length];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    t[(c * rows) + r] = w[(r * cols) + c];
                }
            }

            return t;
        }

        private static sbyte[] TransposeInt8(sbyte[] w, int rows, int cols)
        {
            var t = new sbyte[w.Length];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    t[(c * rows) + r] = w[(r * cols) + c];
                }
            }

            return t;
        }

        private static byte[] ToBytes<T>(T[] values)
            where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }
}
