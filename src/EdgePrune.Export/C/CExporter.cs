using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using EdgePrune.Core;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.Core.Rewrites;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;
using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Export.C;

/// <summary>
/// Generates <c>NAME_model.h</c> / <c>NAME_model.c</c> for the C99 runtime in firmware-export/runtime (docs/c-export.md).
/// The program is the one the .epb writer lowers: the graph is written as <c>.epb</c>, read back and loaded by the .NET
/// runtime (so every op passes the same checks), and each op becomes one kernel call over the same weight encodings and
/// the same arena offsets. Everything the .NET runtime precomputes at load (requantization multipliers and shifts,
/// folded int8 biases, int8 clamp ranges, Add rescaling) is computed here by the same code and emitted as constants, so
/// an int8 model needs no floating point on the device and its outputs are the .NET runtime's bit for bit.
/// </summary>
public static partial class CExporter
{
    /// <summary>ONNX ops the C runtime has kernels for (as lowered by the .epb writer: every op the .epb format has).</summary>
    public static readonly IReadOnlySet<string> SupportedOps = new SortedSet<string>(StringComparer.Ordinal)
    {
        "Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Add", "Sub", "Mul", "Div", "Relu", "Clip",
        "Sigmoid", "Tanh", "LeakyRelu", "Softmax", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Concat", "Transpose",
    };

    public static CExport Write(Graph graph, CExportOptions options)
    {
        RequireKernels(graph);
        return FromEpb(EpbWriter.Write(graph, options.Epb), options);
    }

    /// <summary>Fails naming the first node (after the standard rewrites) whose op has no kernel in the C runtime.</summary>
    internal static void RequireKernels(Graph graph)
    {
        var simplified = RewritePipeline.Default.Apply(graph);
        foreach (var node in simplified.Nodes.Where(n => !SupportedOps.Contains(n.OpType)))
        {
            throw new EdgePruneException($"{node.Describe()}: op {node.OpType} has no kernel in the EdgePrune C runtime (supported: {string.Join(", ", SupportedOps)})");
        }
    }

    /// <summary>
    /// The C source of an already written .epb (for example the one <c>edgeprune fit</c> chose), so the C export and
    /// the binary hold the same program; <see cref="CExportOptions.Epb"/> is not used.
    /// </summary>
    public static CExport FromEpb(EpbExport epb, CExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(epb);
        CheckPrefix(options.Prefix);

        // The .NET runtime's loader validates every offset, length and index before the generator reads the file.
        EpbModel.Load(epb.Bytes);
        var content = EpbReader.Read(epb.Bytes);
        return new Generator(content, epb.Report, options).Generate();
    }

    /// <summary>
    /// The runtime kernels the C export of <paramref name="epb"/> calls, without generating it (a large model's arrays
    /// take seconds to print): the names <see cref="FromEpb"/> emits, per op, data type and weight encoding. Tests
    /// check the two agree (<c>RuntimeCodeTableTests</c>, <c>FitSearchTests</c>).
    /// </summary>
    public static IReadOnlySet<string> KernelsOf(EpbExport epb)
    {
        var content = EpbReader.Read(epb.Bytes);
        var kernels = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in content.Nodes)
        {
            var input = content.Tensors[node.Inputs[0]];
            string type = input.DataType == EpbDataType.Int8 ? "s8" : "f32";
            kernels.Add(node.Op switch
            {
                OpCode.FullyConnected => $"ep_fully_connected_{type}{EncodingSuffix(content.Tensors[node.Inputs[1]].Weights!.Encoding)}",
                OpCode.Conv => $"ep_conv_{type}",
                OpCode.MaxPool => $"ep_max_pool_{type}",
                OpCode.AveragePool => $"ep_average_pool_{type}",
                OpCode.GlobalAveragePool => $"ep_global_average_pool_{type}",
                OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div => $"ep_{node.Op.ToString().ToLowerInvariant()}_{type}",
                OpCode.Relu or OpCode.Clip or OpCode.Sigmoid or OpCode.Tanh or OpCode.LeakyRelu or OpCode.Softmax when type == "s8" => "ep_clamp_s8",
                OpCode.Relu => "ep_relu_f32",
                OpCode.Clip => "ep_clip_f32",
                OpCode.Sigmoid => "ep_sigmoid_f32",
                OpCode.Tanh => "ep_tanh_f32",
                OpCode.LeakyRelu => "ep_leaky_relu_f32",
                OpCode.Softmax => "ep_softmax_f32",
                OpCode.Copy => "ep_copy",
                OpCode.Concat => "ep_concat",
                OpCode.Transpose => "ep_transpose",
                OpCode.Quantize => "ep_quantize_f32_s8",
                OpCode.Dequantize => "ep_dequantize_s8_f32",
                _ => throw new EdgePruneException($"graph op {node.Describe()} has no kernel in the EdgePrune C runtime"),
            });
        }

        return kernels;
    }

    private static string EncodingSuffix(WeightEncoding encoding) => encoding switch
    {
        WeightEncoding.Dense => "",
        WeightEncoding.Int4 => "_int4",
        WeightEncoding.Bitmask => "_bitmask",
        WeightEncoding.Csr8 => "_csr8",
        WeightEncoding.Csr16 => "_csr16",
        WeightEncoding.BlockSparse => "_block",
        _ => "_nofm",
    };

    /// <summary>The prefix names files, functions and macros, so it must be a C identifier.</summary>
    internal static void CheckPrefix(string prefix)
    {
        if (!PrefixPattern().IsMatch(prefix))
        {
            throw new EdgePruneException($"prefix '{prefix}' is not a C identifier: use letters, digits and '_', starting with a letter");
        }
    }

    /// <summary>The model's one input and one output, both int8 or both float32, as both C exports need.</summary>
    internal static (TensorRecord Input, TensorRecord Output) SingleInputAndOutput(EpbContent content)
    {
        if (content.Inputs.Length != 1 || content.Outputs.Length != 1)
        {
            throw new EdgePruneException($"the C export takes a model with one input and one output; this one has {content.Inputs.Length} inputs and {content.Outputs.Length} outputs");
        }

        var input = content.Tensors[content.Inputs[0]];
        var output = content.Tensors[content.Outputs[0]];
        if (input.DataType != output.DataType || input.DataType is not (EpbDataType.Int8 or EpbDataType.Float32))
        {
            throw new EdgePruneException($"the C export needs the model's input and output both int8 or both float32; input {input} and output {output}");
        }

        return (input, output);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex PrefixPattern();

    private sealed class Generator(EpbContent content, EpbReport epbReport, CExportOptions options)
    {
        private readonly string _prefix = options.Prefix;
        private readonly CArrays _arrays = new(options.Prefix);
        private readonly StringBuilder _calls = new();
        private readonly Dictionary<int, string> _constants = [];
        private readonly List<CLayerSize> _layers = [];
        private readonly SortedSet<string> _kernels = new(StringComparer.Ordinal);
        private bool _needsMath;

        public CExport Generate()
        {
            var (input, output) = SingleInputAndOutput(content);
            bool int8 = input.DataType == EpbDataType.Int8;
            foreach (var node in content.Nodes)
            {
                EmitNode(node);
            }

            string upper = _prefix.ToUpperInvariant();
            string element = int8 ? "int8_t" : "float";
            var source = new StringBuilder();
            source.AppendLine(CultureInfo.InvariantCulture, $"/* Generated by edgeprune export --format c: {_prefix}, {content.Nodes.Length} ops. Do not edit; re-export instead. */");
            if (_needsMath)
            {
                source.AppendLine("#include <math.h>");
            }

            source.AppendLine("#include <string.h>");
            source.AppendLine();
            source.AppendLine("#include \"edgeprune/edgeprune.h\"");
            source.AppendLine(CultureInfo.InvariantCulture, $"#include \"{_prefix}_model.h\"");
            source.AppendLine();
            source.Append(_arrays.Text);
            source.AppendLine();
            source.AppendLine("/* Every activation, at the offsets the arena plan gave it; int32 words keep float tensors aligned. */");
            source.AppendLine(CultureInfo.InvariantCulture, $"static int32_t {_prefix}_arena[({upper}_ARENA_BYTES + 3) / 4];");
            source.AppendLine();
            source.AppendLine(CultureInfo.InvariantCulture, $"int {_prefix}_invoke(const {element} *input, {element} *output)");
            source.AppendLine("{");
            source.AppendLine(CultureInfo.InvariantCulture, $"    uint8_t *arena = (uint8_t *){_prefix}_arena;");
            source.AppendLine("    int status = 0;");
            source.AppendLine(CultureInfo.InvariantCulture, $"    memcpy(arena + {input.ArenaOffset}, input, {input.ByteCount});");
            source.Append(_calls);
            source.AppendLine(CultureInfo.InvariantCulture, $"    memcpy(output, arena + {output.ArenaOffset}, {output.ByteCount});");
            source.AppendLine("    return status;");
            source.AppendLine("}");

            var header = new StringBuilder();
            string guard = $"{upper}_MODEL_H";
            header.AppendLine(CultureInfo.InvariantCulture, $"/* Generated by edgeprune export --format c (docs/c-export.md). Do not edit; re-export instead. */");
            header.AppendLine(CultureInfo.InvariantCulture, $"#ifndef {guard}");
            header.AppendLine(CultureInfo.InvariantCulture, $"#define {guard}");
            header.AppendLine();
            header.AppendLine("#include <stdint.h>");
            header.AppendLine();
            header.AppendLine("#ifdef __cplusplus\nextern \"C\" {\n#endif");
            header.AppendLine();
            header.AppendLine(CultureInfo.InvariantCulture, $"/* Input {input.Name} [{string.Join(", ", input.Shape)}] and output {output.Name} [{string.Join(", ", output.Shape)}], in elements. */");
            header.AppendLine(CultureInfo.InvariantCulture, $"#define {upper}_INPUT_SIZE {input.ElementCount}");
            header.AppendLine(CultureInfo.InvariantCulture, $"#define {upper}_OUTPUT_SIZE {output.ElementCount}");
            header.AppendLine(CultureInfo.InvariantCulture, $"/* Bytes of the static activation arena (the model's RAM besides the caller's buffers). */");
            header.AppendLine(CultureInfo.InvariantCulture, $"#define {upper}_ARENA_BYTES {content.ArenaBytes}");
            header.AppendLine(CultureInfo.InvariantCulture, $"#define {upper}_IS_INT8 {(int8 ? 1 : 0)}");
            if (int8)
            {
                header.AppendLine("/* real = scale * (code - zero_point) */");
                header.AppendLine(CultureInfo.InvariantCulture, $"#define {upper}_INPUT_SCALE {CArrays.Float(input.Quant!.Scales[0])}");
                header.AppendLine(CultureInfo.InvariantCulture, $"#define {upper}_INPUT_ZERO_POINT {input.Quant.ZeroPoints[0]}");
                header.AppendLine(CultureInfo.InvariantCulture, $"#define {upper}_OUTPUT_SCALE {CArrays.Float(output.Quant!.Scales[0])}");
                header.AppendLine(CultureInfo.InvariantCulture, $"#define {upper}_OUTPUT_ZERO_POINT {output.Quant.ZeroPoints[0]}");
            }

            header.AppendLine();
            header.AppendLine(CultureInfo.InvariantCulture, $"/* Runs one inference: input holds {upper}_INPUT_SIZE values, output receives {upper}_OUTPUT_SIZE. Returns 0 on success. Not reentrant (one static arena). */");
            header.AppendLine(CultureInfo.InvariantCulture, $"int {_prefix}_invoke(const {element} *input, {element} *output);");
            header.AppendLine();
            header.AppendLine("#ifdef __cplusplus\n}\n#endif");
            header.AppendLine();
            header.AppendLine(CultureInfo.InvariantCulture, $"#endif");

            long runtimeCode = RuntimeCode.Bytes(_kernels);
            var budget = options.Device is { } device ? CSizeReport.Check(device, _arrays.Bytes + runtimeCode, content.ArenaBytes) : null;
            var report = new CSizeReport(_prefix, int8, _layers, _arrays.Bytes, content.ArenaBytes, budget) { Kernels = _kernels, RuntimeCodeBytes = runtimeCode };
            return new CExport($"{_prefix}_model.h", header.ToString(), $"{_prefix}_model.c", source.ToString(), report);
        }

        private void EmitNode(NodeRecord node)
        {
            _calls.AppendLine(CultureInfo.InvariantCulture, $"    /* {node.Describe()}: {string.Join(", ", node.Inputs.Select(i => i < 0 ? "-" : content.Tensors[i].Name))} -> {string.Join(", ", node.Outputs.Select(o => content.Tensors[o].Name))} */");
            switch (node.Op)
            {
                case OpCode.FullyConnected: FullyConnected(node); break;
                case OpCode.Conv: Conv(node); break;
                case OpCode.MaxPool or OpCode.AveragePool or OpCode.GlobalAveragePool: Pool(node); break;
                case OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div: Binary(node); break;
                case OpCode.Relu or OpCode.Clip or OpCode.Sigmoid or OpCode.Tanh or OpCode.LeakyRelu or OpCode.Softmax: Unary(node); break;
                case OpCode.Copy: Call($"ep_copy({In(node, 0).ByteCount}, {Pointer(node.Inputs[0])}, {Pointer(node.Outputs[0])})"); break;
                case OpCode.Concat: Concat(node); break;
                case OpCode.Transpose: Transpose(node); break;
                case OpCode.Quantize:
                {
                    var q = Out(node).Quant!;
                    Call($"ep_quantize_f32_s8({Out(node).ElementCount}, {CArrays.Float(q.Scales[0])}, {q.ZeroPoints[0]}, {Pointer(node.Inputs[0])}, {Pointer(node.Outputs[0])})");
                    break;
                }

                case OpCode.Dequantize:
                {
                    var q = In(node, 0).Quant!;
                    Call($"ep_dequantize_s8_f32({Out(node).ElementCount}, {CArrays.Float(q.Scales[0])}, {q.ZeroPoints[0]}, {Pointer(node.Inputs[0])}, {Pointer(node.Outputs[0])})");
                    break;
                }

                default:
                    throw new EdgePruneException($"graph op {node.Describe()} has no kernel in the EdgePrune C runtime");
            }
        }

        private void FullyConnected(NodeRecord node)
        {
            var x = In(node, 0);
            var w = In(node, 1);
            var view = w.Weights!;
            int n = view.Rows, k = view.Cols;
            int batch = x.ElementCount / k;
            var (min, max) = FusedRange(node);
            var bias = node.Inputs.Length > 2 && node.Inputs[2] >= 0 ? content.Tensors[node.Inputs[2]] : null;
            long before = _arrays.Bytes;
            string weights = Weights(node, node.Inputs[1], out long weightBytes);
            string suffix = EncodingSuffix(view.Encoding);
            string name = $"n{node.Index}";
            if (x.DataType == EpbDataType.Float32)
            {
                string biasPointer = bias is null ? "NULL" : Pointer(node.Inputs[2]);
                string act = Activation(name, min, max);
                Call($"ep_fully_connected_f32{suffix}(&{act}, {batch}, {Pointer(node.Inputs[0])}, &{weights}, {biasPointer}, {Pointer(node.Outputs[0])})");
            }
            else
            {
                var (inScale, inZero) = PerTensor(x);
                var (outScale, outZero) = PerTensor(Out(node));
                var requantization = Requantization.Create(inScale, inZero, w.Quant!.Scales, n, outScale, outZero, min, max);
                var folded = FullyConnectedInt8.FoldedBias(view, bias is null ? [] : bias.Weights!.Ints(0), -inZero);
                string q = Requant(name, requantization);
                string foldedName = _arrays.Add($"{name}_folded_bias", CElement.Int32, folded.Select(CArrays.Int).ToArray(), $"{node.Describe()}: bias + input_offset * row sums of {w.Name}");
                Call($"ep_fully_connected_s8{suffix}(&{q}, {batch}, {Pointer(node.Inputs[0])}, &{weights}, {foldedName}, {Pointer(node.Outputs[0])})");
            }

            AddLayer(node, w, weightBytes, _arrays.Bytes - before - weightBytes);
        }

        private void Conv(NodeRecord node)
        {
            var x = In(node, 0);
            var w = In(node, 1);
            var y = Out(node);
            int spatial = x.Shape.Length - 2;
            int[] Ints(AttributeId id, int count, int fallback) => node.GetInts(id, Enumerable.Repeat((long)fallback, count).ToArray()).Select(v => (int)v).ToArray();
            var strides = Ints(AttributeId.Strides, spatial, 1);
            var dilations = Ints(AttributeId.Dilations, spatial, 1);
            var pads = Ints(AttributeId.Pads, 2 * spatial, 0);
            int group = (int)node.GetInt(AttributeId.Group, 1);
            var g = new ConvGeometry(
                x.Shape[0], x.Shape[1], spatial == 2 ? x.Shape[2] : 1, x.Shape[^1],
                w.Shape[0], spatial == 2 ? y.Shape[2] : 1, y.Shape[^1],
                spatial == 2 ? w.Shape[2] : 1, w.Shape[^1], spatial == 2 ? strides[0] : 1, strides[^1],
                spatial == 2 ? pads[0] : 0, pads[spatial - 1], spatial == 2 ? pads[2] : 0, pads[^1],
                spatial == 2 ? dilations[0] : 1, dilations[^1], group);
            string name = $"n{node.Index}";
            var (min, max) = FusedRange(node);
            var bias = node.Inputs.Length > 2 && node.Inputs[2] >= 0 ? content.Tensors[node.Inputs[2]] : null;
            long before = _arrays.Bytes;
            string weights = Weights(node, node.Inputs[1], out long weightBytes);
            string geometry = Geometry(name, g);
            string biasPointer = bias is null ? "NULL" : Pointer(node.Inputs[2]);
            if (x.DataType == EpbDataType.Float32)
            {
                string act = Activation(name, min, max);
                Call($"ep_conv_f32(&{geometry}, &{act}, {Pointer(node.Inputs[0])}, &{weights}, {biasPointer}, {Pointer(node.Outputs[0])})");
            }
            else
            {
                var (inScale, inZero) = PerTensor(x);
                var (outScale, outZero) = PerTensor(y);
                string q = Requant(name, Requantization.Create(inScale, inZero, w.Quant!.Scales, g.OutChannels, outScale, outZero, min, max));
                Call($"ep_conv_s8(&{geometry}, &{q}, {Pointer(node.Inputs[0])}, &{weights}, {biasPointer}, {Pointer(node.Outputs[0])})");
            }

            AddLayer(node, w, weightBytes, _arrays.Bytes - before - weightBytes);
        }

        private void Pool(NodeRecord node)
        {
            var x = In(node, 0);
            var y = Out(node);
            string type = x.DataType == EpbDataType.Int8 ? "s8" : "f32";
            int spatial = x.Shape.Length - 2;
            int inH = spatial == 2 ? x.Shape[2] : 1, inW = x.Shape[^1];
            if (node.Op == OpCode.GlobalAveragePool)
            {
                Call($"ep_global_average_pool_{type}({x.Shape[0] * x.Shape[1]}, {inH * inW}, {Pointer(node.Inputs[0])}, {Pointer(node.Outputs[0])})");
                return;
            }

            int[] Ints(AttributeId id, int count, int fallback) => node.GetInts(id, Enumerable.Repeat((long)fallback, count).ToArray()).Select(v => (int)v).ToArray();
            var kernel = Ints(AttributeId.KernelShape, spatial, 1);
            var strides = Ints(AttributeId.Strides, spatial, 1);
            var pads = Ints(AttributeId.Pads, 2 * spatial, 0);
            var g = new ConvGeometry(
                x.Shape[0], x.Shape[1], inH, inW, x.Shape[1], spatial == 2 ? y.Shape[2] : 1, y.Shape[^1],
                spatial == 2 ? kernel[0] : 1, kernel[^1], spatial == 2 ? strides[0] : 1, strides[^1],
                spatial == 2 ? pads[0] : 0, pads[spatial - 1], spatial == 2 ? pads[2] : 0, pads[^1], 1, 1, x.Shape[1]);
            string geometry = Geometry($"n{node.Index}", g);
            if (node.Op == OpCode.MaxPool)
            {
                Call($"ep_max_pool_{type}(&{geometry}, {Pointer(node.Inputs[0])}, {Pointer(node.Outputs[0])})");
            }
            else
            {
                int includePad = node.GetInt(AttributeId.CountIncludePad, 0) != 0 ? 1 : 0;
                Call($"ep_average_pool_{type}(&{geometry}, {includePad}, {Pointer(node.Inputs[0])}, {Pointer(node.Outputs[0])})");
            }
        }

        private void Binary(NodeRecord node)
        {
            var a = In(node, 0);
            var b = In(node, 1);
            var y = Out(node);
            string name = $"n{node.Index}";
            string shape = Broadcast(name, a.Shape, b.Shape, y.Shape);
            string op = node.Op.ToString().ToLowerInvariant();
            string operands = $"{Pointer(node.Inputs[0])}, {Pointer(node.Inputs[1])}, {Pointer(node.Outputs[0])}";
            if (a.DataType == EpbDataType.Float32)
            {
                Call($"ep_{op}_f32(&{shape}, {operands})");
                return;
            }

            var (sa, za) = PerTensor(a);
            var (sb, zb) = PerTensor(b);
            var (so, zo) = PerTensor(y);
            var p = BinaryInt8.Create(Enum.Parse<BinaryOp>(node.Op.ToString()), sa, za, sb, zb, so, zo);
            string pName = $"{_prefix}_{name}_binary";
            _arrays.AddRaw($"static const ep_binary_s8_params {pName} = {{ {p.OffsetA}, {p.OffsetB}, {CArrays.Int(p.MultiplierA)}, {p.ShiftA}, {CArrays.Int(p.MultiplierB)}, {p.ShiftB}, {CArrays.Int(p.OutputMultiplier)}, {p.OutputShift}, {p.OutputZeroPoint} }};", 36);
            Call($"ep_{op}_s8(&{shape}, &{pName}, {operands})");
        }

        private void Unary(NodeRecord node)
        {
            var x = In(node, 0);
            var y = Out(node);
            string io = $"{Pointer(node.Inputs[0])}, {Pointer(node.Outputs[0])}";
            float min = node.Op == OpCode.Relu ? 0f : node.GetFloat(AttributeId.Min, float.NegativeInfinity);
            float max = node.Op == OpCode.Relu ? float.PositiveInfinity : node.GetFloat(AttributeId.Max, float.PositiveInfinity);
            if (x.DataType == EpbDataType.Int8)
            {
                var (scale, zero) = PerTensor(y);
                var (lo, hi) = Requantization.ActivationRange(scale, zero, min, max);
                Call($"ep_clamp_s8({x.ElementCount}, {lo}, {hi}, {io})");
                return;
            }

            switch (node.Op)
            {
                case OpCode.Relu: Call($"ep_relu_f32({x.ElementCount}, {io})"); break;
                case OpCode.Clip:
                    _needsMath |= float.IsInfinity(min) || float.IsInfinity(max);
                    Call($"ep_clip_f32({x.ElementCount}, {CArrays.Float(min)}, {CArrays.Float(max)}, {io})");
                    break;
                case OpCode.Sigmoid: Call($"ep_sigmoid_f32({x.ElementCount}, {io})"); break;
                case OpCode.Tanh: Call($"ep_tanh_f32({x.ElementCount}, {io})"); break;
                case OpCode.LeakyRelu: Call($"ep_leaky_relu_f32({x.ElementCount}, {CArrays.Float(node.GetFloat(AttributeId.Alpha, 0.01f))}, {io})"); break;
                default:
                    var s = node.GetInts(AttributeId.SoftmaxShape, [1, x.ElementCount, 1]);
                    Call($"ep_softmax_f32({s[0]}, {s[1]}, {s[2]}, {io})");
                    break;
            }
        }

        private void Concat(NodeRecord node)
        {
            var y = Out(node);
            int axis = (int)node.GetInt(AttributeId.Axis, -1);
            int size = TensorRecord.ElementSize(y.DataType);
            long outer = y.Shape.Take(axis).Aggregate(1L, (p, d) => p * d);
            long inner = y.Shape.Skip(axis + 1).Aggregate(1L, (p, d) => p * d) * size;
            long offset = 0;
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                long chunk = content.Tensors[node.Inputs[i]].Shape[axis] * inner;
                Call($"ep_concat({outer}, {chunk}, {y.Shape[axis] * inner}, {offset}, {Pointer(node.Inputs[i])}, {Pointer(node.Outputs[0])})");
                offset += chunk;
            }
        }

        private void Transpose(NodeRecord node)
        {
            var x = In(node, 0);
            var y = Out(node);
            int rank = x.Shape.Length;
            var perm = node.GetInts(AttributeId.Perm, Enumerable.Range(0, rank).Reverse().Select(v => (long)v).ToArray());
            var strides = new int[rank];
            for (int d = rank - 1, s = 1; d >= 0; d--)
            {
                strides[d] = s;
                s *= x.Shape[d];
            }

            string name = $"n{node.Index}";
            string shape = _arrays.Add($"{name}_shape", CElement.Int32, y.Shape.Select(CArrays.Int).ToArray(), $"{node.Describe()}: output shape");
            string permuted = _arrays.Add($"{name}_strides", CElement.Int32, perm.Select(p => CArrays.Int(strides[p])).ToArray(), $"{node.Describe()}: input strides in output order");
            Call($"ep_transpose({TensorRecord.ElementSize(x.DataType)}, {rank}, {shape}, {permuted}, {Pointer(node.Inputs[0])}, {Pointer(node.Outputs[0])})");
        }

        /// <summary>Emits a constant's ranges as arrays and an <c>ep_weights</c> describing them; returns the struct's name.</summary>
        private string Weights(NodeRecord node, int tensorIndex, out long bytes)
        {
            var t = content.Tensors[tensorIndex];
            var view = t.Weights!;
            string name = $"t{tensorIndex}";
            string label = $"{t} ({view.Encoding})";
            var valueType = t.DataType == EpbDataType.Float32 ? CElement.Float : CElement.Int8;
            long start = _arrays.Bytes;
            string values = "NULL", packed = "NULL", rowPointers = "NULL", columns = "NULL";
            switch (view.Encoding)
            {
                case WeightEncoding.Dense:
                    values = _arrays.Add($"{name}_values", valueType, view.Range(0), label);
                    break;
                case WeightEncoding.Int4:
                    packed = _arrays.Add($"{name}_packed", CElement.UInt8, view.Range(0), label + ": two values per byte, low nibble first");
                    break;
                case WeightEncoding.Bitmask:
                case WeightEncoding.NofM:
                    packed = _arrays.Add($"{name}_packed", CElement.UInt8, view.Range(0), label + (view.Encoding == WeightEncoding.Bitmask ? ": one bit per element" : ": 2-bit positions"));
                    values = _arrays.Add($"{name}_values", valueType, view.Range(1), label + ": stored values");
                    break;
                default:
                    rowPointers = _arrays.Add($"{name}_row_pointers", CElement.Int32, view.Range(0), label + ": row pointers");
                    columns = _arrays.Add($"{name}_columns", view.Encoding == WeightEncoding.Csr8 ? CElement.UInt8 : CElement.UInt16, view.Range(1), label + ": columns");
                    values = _arrays.Add($"{name}_values", valueType, view.Range(2), label + ": stored values");
                    break;
            }

            bytes = _arrays.Bytes - start;
            string structName = $"{_prefix}_{name}";
            _arrays.AddRaw(
                $"static const ep_weights {structName} = {{ {(int)view.Encoding}, {view.Rows}, {view.Cols}, {view.P0}, {view.P1}, {values}, {packed}, {rowPointers}, {columns} }};",
                36);
            return structName;
        }

        private string Requant(string name, Requantization q)
        {
            string multipliers = _arrays.Add($"{name}_multipliers", CElement.Int32, q.Multipliers.Select(CArrays.Int).ToArray(), "Q31 multiplier per output channel");
            string shifts = _arrays.Add($"{name}_shifts", CElement.Int8, q.Shifts.Select(s => s.ToString(CultureInfo.InvariantCulture)).ToArray(), "shift per output channel");
            string full = $"{_prefix}_{name}_requant";
            _arrays.AddRaw($"static const ep_requant_s8 {full} = {{ {multipliers}, {shifts}, {q.InputOffset}, {q.OutputZeroPoint}, {q.ActivationMin}, {q.ActivationMax} }};", 24);
            return full;
        }

        private string Activation(string name, float min, float max)
        {
            _needsMath |= float.IsInfinity(min) || float.IsInfinity(max);
            string full = $"{_prefix}_{name}_activation";
            _arrays.AddRaw($"static const ep_activation_f32 {full} = {{ {CArrays.Float(min)}, {CArrays.Float(max)} }};", 8);
            return full;
        }

        private string Geometry(string name, ConvGeometry g)
        {
            string full = $"{_prefix}_{name}_geometry";
            int[] fields = [g.Batch, g.InChannels, g.InH, g.InW, g.OutChannels, g.OutH, g.OutW, g.KernelH, g.KernelW, g.StrideH, g.StrideW,
                g.PadTop, g.PadLeft, g.PadBottom, g.PadRight, g.DilationH, g.DilationW, g.Groups];
            _arrays.AddRaw($"static const ep_conv_params {full} = {{ {string.Join(", ", fields)} }};", 4 * 18);
            return full;
        }

        /// <summary>numpy broadcasting of a and b to the output: per output dim, each operand's element stride (0 where it repeats).</summary>
        private string Broadcast(string name, int[] a, int[] b, int[] output)
        {
            int rank = output.Length;
            if (rank > 8)
            {
                throw new EdgePruneException($"an elementwise op has rank {rank}; the C runtime broadcasts up to rank 8");
            }

            var sa = new int[rank];
            var sb = new int[rank];
            int strideA = 1, strideB = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                int da = d - (rank - a.Length) >= 0 ? a[d - (rank - a.Length)] : 1;
                int db = d - (rank - b.Length) >= 0 ? b[d - (rank - b.Length)] : 1;
                sa[d] = da == 1 ? 0 : strideA;
                sb[d] = db == 1 ? 0 : strideB;
                strideA *= da;
                strideB *= db;
            }

            static string List(int[] v) => "{ " + string.Join(", ", v.Length == 0 ? [0] : v) + " }";
            string full = $"{_prefix}_{name}_broadcast";
            _arrays.AddRaw($"static const ep_broadcast {full} = {{ {rank}, {List(output)}, {List(sa)}, {List(sb)} }};", 4 + (3 * 4 * 8));
            return full;
        }

        private void AddLayer(NodeRecord node, TensorRecord w, long weightBytes, long parameterBytes)
        {
            var written = epbReport.Weights.FirstOrDefault(s => s.Tensor == w.Name);
            _layers.Add(new CLayerSize(node.Index, written?.Layer ?? node.Describe(), w.Name, w.DataType.ToString().ToLowerInvariant(), w.Weights!.Encoding.ToString(),
                weightBytes, (long)w.ElementCount * TensorRecord.ElementSize(w.DataType), parameterBytes));
        }

        /// <summary>A C expression for a tensor's data: its constant array, or its place in the arena.</summary>
        private string Pointer(int tensorIndex)
        {
            var t = content.Tensors[tensorIndex];
            string type = t.DataType switch
            {
                EpbDataType.Float32 => "float",
                EpbDataType.Int32 => "int32_t",
                _ => "int8_t",
            };
            if (t.Weights is { } view)
            {
                if (_constants.TryGetValue(tensorIndex, out var existing))
                {
                    return existing;
                }

                var element = t.DataType switch
                {
                    EpbDataType.Float32 => CElement.Float,
                    EpbDataType.Int32 => CElement.Int32,
                    _ => CElement.Int8,
                };
                return _constants[tensorIndex] = _arrays.Add($"t{tensorIndex}_data", element, view.Range(0), t.ToString());
            }

            return $"({type} *)(void *)(arena + {t.ArenaOffset})";
        }

        private void Call(string call)
        {
            _kernels.Add(call[..call.IndexOf('(', StringComparison.Ordinal)]);
            _calls.AppendLine(CultureInfo.InvariantCulture, $"    status |= (int){call};");
        }

        private TensorRecord In(NodeRecord node, int i) => content.Tensors[node.Inputs[i]];

        private TensorRecord Out(NodeRecord node) => content.Tensors[node.Outputs[0]];

        private static (float Scale, int ZeroPoint) PerTensor(TensorRecord t) => (t.Quant!.Scales[0], t.Quant.ZeroPoints[0]);

        private static (float Min, float Max) FusedRange(NodeRecord node) => (FusedActivation)node.GetInt(AttributeId.Activation, 0) switch
        {
            FusedActivation.Relu => (0f, float.PositiveInfinity),
            FusedActivation.Clip => (node.GetFloat(AttributeId.Min, float.NegativeInfinity), node.GetFloat(AttributeId.Max, float.PositiveInfinity)),
            _ => (float.NegativeInfinity, float.PositiveInfinity),
        };
    }
}
