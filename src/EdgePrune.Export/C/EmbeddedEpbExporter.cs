using System.Globalization;
using System.Text;
using EdgePrune.Core;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;
using EdgePrune.Runtime.Format;

namespace EdgePrune.Export.C;

/// <summary>
/// <c>export --format c --embed-epb</c> (docs/c-export.md "Embedded .epb"): NAME_model.h/.c holding the model's
/// <c>.epb</c> as a byte array, run by the interpreter in firmware-export/runtime/epb (<c>ep_epb.h</c>), with a static
/// arena and work buffer sized from the file. <c>NAME_invoke</c> and the I/O macros are those of the call-sequence export,
/// so firmware switches between the two without changes; swapping the model is swapping the array (or a blob read from
/// storage into <c>ep_epb_load</c>).
/// </summary>
public static class EmbeddedEpbExporter
{
    /// <summary>The ops the interpreter prepares (epb_interpreter.c); others fail at export with the node named.</summary>
    public static readonly IReadOnlySet<OpCode> SupportedOps = new SortedSet<OpCode>
    {
        OpCode.FullyConnected, OpCode.Conv, OpCode.MaxPool, OpCode.AveragePool, OpCode.GlobalAveragePool, OpCode.Add, OpCode.Sub,
        OpCode.Mul, OpCode.Div, OpCode.Concat, OpCode.Transpose, OpCode.Relu, OpCode.Clip, OpCode.Sigmoid, OpCode.Tanh, OpCode.LeakyRelu, OpCode.Softmax,
        OpCode.Copy, OpCode.Quantize, OpCode.Dequantize,
    };

    /// <summary>The runtime kernels epb_interpreter.c calls; all are linked whatever the model (the interpreter references each).</summary>
    public static readonly IReadOnlySet<string> Kernels = new SortedSet<string>(StringComparer.Ordinal)
    {
        "ep_fully_connected_f32", "ep_fully_connected_f32_bitmask", "ep_fully_connected_f32_csr8", "ep_fully_connected_f32_csr16",
        "ep_fully_connected_f32_block", "ep_fully_connected_f32_nofm", "ep_fully_connected_s8", "ep_fully_connected_s8_int4",
        "ep_fully_connected_s8_bitmask", "ep_fully_connected_s8_csr8", "ep_fully_connected_s8_csr16", "ep_fully_connected_s8_block",
        "ep_fully_connected_s8_nofm", "ep_conv_f32", "ep_conv_s8", "ep_max_pool_f32", "ep_max_pool_s8", "ep_average_pool_f32",
        "ep_average_pool_s8", "ep_global_average_pool_f32", "ep_global_average_pool_s8", "ep_add_f32", "ep_sub_f32", "ep_mul_f32",
        "ep_div_f32", "ep_add_s8", "ep_sub_s8", "ep_mul_s8", "ep_concat", "ep_transpose", "ep_relu_f32", "ep_clip_f32", "ep_sigmoid_f32", "ep_tanh_f32", "ep_leaky_relu_f32",
        "ep_softmax_f32", "ep_clamp_s8", "ep_copy", "ep_quantize_f32_s8", "ep_dequantize_s8_f32",
    };

    /// <summary>
    /// Code bytes of epb_interpreter.c itself, compiled as <see cref="RuntimeCode.MeasuredWith"/> says (text of
    /// <c>arm-none-eabi-size</c>). Not counted: the soft-float double routines its load step calls (docs/c-export.md).
    /// </summary>
    public const int InterpreterCodeBytes = 12320;

    /// <summary><c>sizeof(ep_epb_step)</c> on a 32-bit Cortex-M (pointers of 4 bytes), for the RAM report.</summary>
    public const int StepBytesCortexM = 124;

    /// <summary>The alignment the interpreter gives each work-buffer block (<c>sizeof(ep_epb_word)</c>).</summary>
    private const int WordBytes = 8;

    /// <summary><c>sizeof(ep_conv_params)</c>: 18 int32 fields.</summary>
    public const int GeometryBytes = 72;

    /// <summary><c>sizeof(ep_epb_binary)</c> on a 32-bit Cortex-M: the broadcast, the int8 parameters, two pointers, two offsets.</summary>
    public const int BinaryBytes = 152;

    /// <summary><c>sizeof(ep_epb_concat_input)</c> on a 32-bit Cortex-M: a pointer and three 32-bit fields.</summary>
    public const int ConcatInputBytes = 16;

    /// <summary><c>sizeof(ep_epb_transpose)</c> on a 32-bit Cortex-M: shape and strides for rank 8, a pointer.</summary>
    public const int TransposeBytes = 68;

    /// <summary>The ONNX graph written as .epb first; an op with no kernel in the C runtime fails as in the call-sequence export.</summary>
    public static CExport Write(Graph graph, CExportOptions options)
    {
        CExporter.RequireKernels(graph);
        return FromEpb(EpbWriter.Write(graph, options.Epb), options);
    }

    public static CExport FromEpb(EpbExport epb, CExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(epb);
        CExporter.CheckPrefix(options.Prefix);
        // The .NET loader validates the file and every op first, so a refusal below is about the interpreter, not the file.
        EpbModel.Load(epb.Bytes);
        var content = EpbReader.Read(epb.Bytes);
        var (input, output) = CExporter.SingleInputAndOutput(content);

        foreach (var node in content.Nodes)
        {
            // Add/Sub/Mul/Div, Concat and Transpose read constant operands from the blob; other ops take their first input from the arena.
            bool constantInput = !ReadsConstants(node.Op) && content.Tensors[node.Inputs[0]].Kind != TensorKind.Activation;
            if (!SupportedOps.Contains(node.Op) || constantInput)
            {
                throw new EdgePruneException($"{node.Describe()}: op {node.Op}{(SupportedOps.Contains(node.Op) ? " on a constant input" : "")} is not supported by the embedded .epb interpreter (supported: {string.Join(", ", SupportedOps)}); export without --embed-epb for the call-sequence C export");
            }
        }

        var work = WorkTerms(content);
        return new CExport($"{options.Prefix}_model.h", Header(options.Prefix, content, input, output), $"{options.Prefix}_model.c",
            Source(options.Prefix, input.DataType == EpbDataType.Int8 ? "int8_t" : "float", epb.Bytes, content.Nodes.Length, work), Report(options, epb, content, work));
    }

    /// <summary>
    /// What ep_epb_load keeps in the work buffer besides the steps, per node, as the <c>EP_EPB_WORK_BYTES_*</c> macros of
    /// ep_epb.h name it (C) and as its bytes on a 32-bit Cortex-M (report): int8 FullyConnected and Conv their
    /// multipliers and shifts, int8 FullyConnected its folded biases, Conv and windowed pools their geometry, Add, Sub,
    /// Mul and Div their operands, Concat its inputs' places, Transpose its shape and strides.
    /// </summary>
    private static List<(string Macro, long Bytes)> WorkTerms(EpbContent content)
    {
        var terms = new List<(string, long)> { ($"EP_EPB_WORK_BYTES_STEPS({content.Nodes.Length})", RoundUp((long)StepBytesCortexM * content.Nodes.Length)) };
        foreach (var node in content.Nodes)
        {
            bool int8 = content.Tensors[node.Inputs[0]].DataType == EpbDataType.Int8;
            int channels = node.Op is OpCode.FullyConnected or OpCode.Conv ? content.Tensors[node.Inputs[1]].Shape[0] : 0;
            if (node.Op is OpCode.Conv or OpCode.MaxPool or OpCode.AveragePool)
            {
                terms.Add(("EP_EPB_WORK_BYTES_GEOMETRY", RoundUp(GeometryBytes)));
            }

            switch (node.Op)
            {
                case OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div:
                    terms.Add(("EP_EPB_WORK_BYTES_BINARY", RoundUp(BinaryBytes)));
                    break;
                case OpCode.Concat:
                    terms.Add(($"EP_EPB_WORK_BYTES_CONCAT({node.Inputs.Length})", RoundUp((long)ConcatInputBytes * node.Inputs.Length)));
                    break;
                case OpCode.Transpose:
                    terms.Add(("EP_EPB_WORK_BYTES_TRANSPOSE", RoundUp(TransposeBytes)));
                    break;
            }

            if (int8 && node.Op is OpCode.FullyConnected or OpCode.Conv)
            {
                terms.Add(($"EP_EPB_WORK_BYTES_REQUANT({channels})", RoundUp(4L * channels) + RoundUp(channels)));
            }

            if (int8 && node.Op == OpCode.FullyConnected)
            {
                terms.Add(($"EP_EPB_WORK_BYTES_FOLDED_BIAS({channels})", RoundUp(4L * channels)));
            }
        }

        return terms;
    }

    private static bool ReadsConstants(OpCode op) => op is OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div or OpCode.Concat or OpCode.Transpose;

    private static long RoundUp(long bytes) => (bytes + WordBytes - 1) / WordBytes * WordBytes;

    private static CSizeReport Report(CExportOptions options, EpbExport epb, EpbContent content, List<(string Macro, long Bytes)> workTerms)
    {
        var layers = new List<CLayerSize>();
        foreach (var node in content.Nodes.Where(n => n.Op is OpCode.FullyConnected or OpCode.Conv))
        {
            var w = content.Tensors[node.Inputs[1]];
            var written = epb.Report.Weights.FirstOrDefault(s => s.Tensor == w.Name);
            // The layer's int8 parameters are not in flash: ep_epb_load computes them into the work buffer (RAM). fp32 biases stay in the blob.
            int channels = w.Shape[0];
            long parameters = w.DataType != EpbDataType.Int8 ? 0 : RoundUp(4L * channels) + RoundUp(channels) + (node.Op == OpCode.FullyConnected ? RoundUp(4L * channels) : 0);
            layers.Add(new CLayerSize(node.Index, written?.Layer ?? node.Describe(), w.Name, w.DataType.ToString().ToLowerInvariant(), w.Weights!.Encoding.ToString(),
                written?.Bytes ?? 0, (long)w.ElementCount * TensorRecord.ElementSize(w.DataType), parameters));
        }

        long code = RuntimeCode.Bytes(Kernels) + InterpreterCodeBytes;
        long work = workTerms.Sum(t => t.Bytes);
        var budget = options.Device is { } device ? CSizeReport.Check(device, epb.Bytes.Length + code, content.ArenaBytes + work) : null;
        bool isInt8 = content.Tensors[content.Inputs[0]].DataType == EpbDataType.Int8;
        return new CSizeReport(options.Prefix, isInt8, layers, epb.Bytes.Length, content.ArenaBytes, budget)
        {
            Kernels = Kernels,
            RuntimeCodeBytes = code,
            EmbeddedEpb = new CEmbeddedEpbSize(epb.Bytes.Length, InterpreterCodeBytes, work),
        };
    }

    private static string Header(string prefix, EpbContent content, TensorRecord input, TensorRecord output)
    {
        string upper = prefix.ToUpperInvariant();
        bool int8 = input.DataType == EpbDataType.Int8;
        string element = int8 ? "int8_t" : "float";
        var c = CultureInfo.InvariantCulture;
        var h = new StringBuilder();
        h.AppendLine("/* Generated by edgeprune export --format c --embed-epb (docs/c-export.md). Do not edit; re-export instead. */");
        h.AppendLine(c, $"#ifndef {upper}_MODEL_H");
        h.AppendLine(c, $"#define {upper}_MODEL_H");
        h.AppendLine();
        h.AppendLine("#include <stdint.h>");
        h.AppendLine();
        h.AppendLine("#ifdef __cplusplus\nextern \"C\" {\n#endif");
        h.AppendLine();
        h.AppendLine(c, $"/* Input {input.Name} [{string.Join(", ", input.Shape)}] and output {output.Name} [{string.Join(", ", output.Shape)}], in elements. */");
        h.AppendLine(c, $"#define {upper}_INPUT_SIZE {input.ElementCount}");
        h.AppendLine(c, $"#define {upper}_OUTPUT_SIZE {output.ElementCount}");
        h.AppendLine("/* Bytes of the static activation arena (the interpreter's work buffer comes on top: NAME_WORK_BYTES in the .c). */");
        h.AppendLine(c, $"#define {upper}_ARENA_BYTES {content.ArenaBytes}");
        h.AppendLine(c, $"#define {upper}_IS_INT8 {(int8 ? 1 : 0)}");
        if (int8)
        {
            h.AppendLine("/* real = scale * (code - zero_point) */");
            h.AppendLine(c, $"#define {upper}_INPUT_SCALE {CArrays.Float(input.Quant!.Scales[0])}");
            h.AppendLine(c, $"#define {upper}_INPUT_ZERO_POINT {input.Quant.ZeroPoints[0]}");
            h.AppendLine(c, $"#define {upper}_OUTPUT_SCALE {CArrays.Float(output.Quant!.Scales[0])}");
            h.AppendLine(c, $"#define {upper}_OUTPUT_ZERO_POINT {output.Quant.ZeroPoints[0]}");
        }

        h.AppendLine();
        h.AppendLine(c, $"/* Validates the embedded .epb and prepares the interpreter: 0, or an ep_epb_status (ep_epb.h). NAME_invoke calls it once if the caller did not. */");
        h.AppendLine(c, $"int {prefix}_init(void);");
        h.AppendLine();
        h.AppendLine(c, $"/* Runs one inference: input holds {upper}_INPUT_SIZE values, output receives {upper}_OUTPUT_SIZE. Returns 0 on success, else an ep_epb_status. Not reentrant (one static arena). */");
        h.AppendLine(c, $"int {prefix}_invoke(const {element} *input, {element} *output);");
        h.AppendLine();
        h.AppendLine("#ifdef __cplusplus\n}\n#endif");
        h.AppendLine();
        h.AppendLine("#endif");
        return h.ToString();
    }

    private static string Source(string prefix, string element, byte[] blob, int nodes, List<(string Macro, long Bytes)> workTerms)
    {
        string upper = prefix.ToUpperInvariant();
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"/* Generated by edgeprune export --format c --embed-epb: {prefix}, {nodes} ops run by the .epb interpreter. Do not edit; re-export instead. */");
        s.AppendLine("#include \"edgeprune/ep_epb.h\"");
        s.AppendLine(c, $"#include \"{prefix}_model.h\"");
        s.AppendLine();
        s.AppendLine("/* What ep_epb_load keeps: one step per node, per int8 layer its multipliers and shifts (and folded biases), per Conv or pool its geometry. */");
        s.AppendLine(c, $"#define {upper}_WORK_BYTES ({string.Join(" + ", workTerms.Select(t => t.Macro))})");
        s.AppendLine();
        s.AppendLine("/* 16-byte alignment keeps every weight range aligned as in a file mapped to memory (docs/format.md); the interpreter needs 4. */");
        s.AppendLine("#if defined(__GNUC__)");
        s.AppendLine(c, $"#define {upper}_ALIGNED __attribute__((aligned(16)))");
        s.AppendLine("#else");
        s.AppendLine(c, $"#define {upper}_ALIGNED");
        s.AppendLine("#endif");
        s.AppendLine();
        s.AppendLine(c, $"/* The .epb file, {blob.Length} bytes. */");
        s.AppendLine(c, $"static const union {{ uint8_t bytes[{blob.Length}]; ep_epb_word align; }} {prefix}_epb {upper}_ALIGNED = {{{{");
        for (int i = 0; i < blob.Length; i += 16)
        {
            s.Append("    ");
            for (int j = i; j < Math.Min(blob.Length, i + 16); j++)
            {
                s.Append(c, $"0x{blob[j]:x2},");
                s.Append(j + 1 < Math.Min(blob.Length, i + 16) ? " " : "");
            }

            s.AppendLine();
        }

        s.AppendLine("}};");
        s.AppendLine();
        s.AppendLine(c, $"static ep_epb_word {prefix}_work[({upper}_WORK_BYTES + sizeof(ep_epb_word) - 1) / sizeof(ep_epb_word)];");
        s.AppendLine(c, $"static ep_epb_word {prefix}_arena[({upper}_ARENA_BYTES + sizeof(ep_epb_word) - 1) / sizeof(ep_epb_word)];");
        s.AppendLine(c, $"static ep_epb_model {prefix}_epb_model;");
        s.AppendLine(c, $"static int {prefix}_loaded = -1;");
        s.AppendLine();
        s.AppendLine(c, $"int {prefix}_init(void)");
        s.AppendLine("{");
        s.AppendLine(c, $"    {prefix}_loaded = (int)ep_epb_load(&{prefix}_epb_model, {prefix}_epb.bytes, sizeof {prefix}_epb.bytes, {prefix}_work, sizeof {prefix}_work);");
        s.AppendLine(c, $"    return {prefix}_loaded;");
        s.AppendLine("}");
        s.AppendLine();
        s.AppendLine(c, $"int {prefix}_invoke(const {element} *input, {element} *output)");
        s.AppendLine("{");
        s.AppendLine(c, $"    if ({prefix}_loaded != 0 && {prefix}_init() != 0) {{");
        s.AppendLine(c, $"        return {prefix}_loaded;");
        s.AppendLine("    }");
        s.AppendLine(c, $"    return (int)ep_epb_invoke(&{prefix}_epb_model, input, output, (uint8_t *){prefix}_arena, sizeof {prefix}_arena);");
        s.AppendLine("}");
        return s.ToString();
    }
}
