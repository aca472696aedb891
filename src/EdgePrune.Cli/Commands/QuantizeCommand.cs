using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Export.Epb;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgePrune.Core.Ir.Tensor;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune quantize MODEL -o OUT.onnx --calib X [--method ...] [--bits 8|4|mixed] [--budget-bytes N] [--eval X --labels Y] [--json]</c>:
/// post-training quantization to a QDQ ONNX file, with a per-layer report and, given labelled data, accuracy of fp32
/// and int8 (ONNX Runtime on the QDQ file, and the integer executor). Progress goes to stderr. docs/quantization.md.
/// </summary>
public static class QuantizeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "the fp32 .onnx model to quantize" };
        var output = new Option<string>("--output", "-o") { Description = "where to write the QDQ .onnx model", Required = true };
        var calib = new Option<string?>("--calib") { Description = "calibration inputs (.npy, .npz, IDX; first axis = samples; uint8 images are scaled to [0, 1])" };
        var method = new Option<string>("--method") { Description = "activation range calibration", DefaultValueFactory = _ => "minmax" };
        method.AcceptOnlyFromAmong("minmax", "percentile", "mse", "entropy");
        var percentile = new Option<double>("--percentile") { Description = "upper percentile kept by --method percentile", DefaultValueFactory = _ => 99.99 };
        var bits = new Option<string>("--bits") { Description = "weight bits: 8, 4, or mixed (per layer, to meet --budget-bytes)", DefaultValueFactory = _ => "8" };
        bits.AcceptOnlyFromAmong("8", "4", "mixed");
        var budget = new Option<long?>("--budget-bytes") { Description = "with --bits mixed: the most bytes the weights may take (best sparse encoding per layer, scales and biases included)" };
        var samples = new Option<int>("--calib-samples") { Description = "calibration samples used (the first ones)", DefaultValueFactory = _ => 1000 };
        var eval = new Option<string?>("--eval") { Description = "evaluation inputs (same formats as --calib)" };
        var labels = new Option<string?>("--labels") { Description = "class labels of --eval (one integer per sample)" };
        var json = new Option<bool>("--json") { Description = "print the report as JSON (fields in docs/quantization.md)" };
        var epb = new Option<string?>("--epb") { Description = "also write the int8 model as a .epb file for the device runtime (8-bit weights only)" };
        var command = new Command("quantize", "quantize a model to int8 (or int4/mixed weights) with calibration data and write it as QDQ ONNX")
        {
            model, output, calib, method, percentile, bits, budget, samples, eval, labels, json, epb,
        };
        command.SetAction(parse => CommandRunner.Run(stderr, () => Execute(
            new Request(
                parse.GetRequiredValue(model),
                parse.GetRequiredValue(output),
                parse.GetValue(calib),
                Enum.Parse<CalibrationMethod>(parse.GetValue(method)!, ignoreCase: true),
                parse.GetValue(percentile),
                parse.GetValue(bits) switch { "4" => WeightPrecision.Int4, "mixed" => WeightPrecision.Mixed, _ => WeightPrecision.Int8 },
                parse.GetValue(budget),
                parse.GetValue(samples),
                parse.GetValue(eval),
                parse.GetValue(labels),
                parse.GetValue(json),
                parse.GetValue(epb)),
            stdout,
            stderr)));
        return command;
    }

    public sealed record Request(
        string Model,
        string Output,
        string? Calib,
        CalibrationMethod Method,
        double Percentile,
        WeightPrecision Bits,
        long? BudgetBytes,
        int CalibSamples,
        string? Eval,
        string? Labels,
        bool Json,
        string? Epb = null);

    public static int Execute(Request request, TextWriter stdout, TextWriter stderr)
    {
        if (request.Calib is null)
        {
            throw new EdgePruneException("quantize needs calibration data: pass --calib FILE with representative model inputs (.npy, .npz or IDX, first axis = samples), e.g. --calib samples/mnist/train-images.idx.gz");
        }

        if ((request.Eval is null) != (request.Labels is null))
        {
            throw new EdgePruneException("--eval and --labels go together: pass both the evaluation inputs and their labels");
        }

        byte[] modelBytes = ModelFile.ReadBytes(request.Model);
        var source = OnnxImporter.Load(modelBytes, request.Model);
        var calibration = CalibrationData.ForInput(source.Graph, DataFiles.Load(request.Calib), request.Calib);
        var options = new QuantizationOptions
        {
            Calibration = new CalibrationOptions { Method = request.Method, Percentile = request.Percentile, MaxSamples = request.CalibSamples },
            Weights = request.Bits,
            BudgetBytes = request.BudgetBytes,
        };
        var quantized = Quantizer.Quantize(source.Graph, calibration, options, message => stderr.WriteLine("edgeprune: " + message));
        var qdq = QdqExporter.ToModel(quantized) with { Metadata = source.Metadata, IrVersion = Math.Max(8, source.IrVersion) };
        byte[] qdqBytes = OnnxExporter.ToBytes(qdq);
        EdgePrune.Core.IO.AtomicFile.WriteAllBytes(request.Output, qdqBytes);
        stderr.WriteLine($"edgeprune: wrote {request.Output}");
        if (request.Epb is not null)
        {
            var export = EpbWriter.Write(quantized.Graph, new EpbWriteOptions { SourceModel = modelBytes, Quantization = EpbQuantizationBuilder.From(quantized) });
            EdgePrune.Core.IO.AtomicFile.WriteAllBytes(request.Epb, export.Bytes);
            stderr.WriteLine($"edgeprune: wrote {request.Epb} ({export.Report.TotalBytes} bytes, int8)");
        }

        var report = QuantizationReport.Create(quantized, calibration);
        EvaluationResult? evaluation = null;
        if (request.Eval is not null)
        {
            var evalData = CalibrationData.ForInput(source.Graph, DataFiles.Load(request.Eval), request.Eval);
            long[] labelValues = DataFiles.Load(request.Labels!).ToInt64Array();
            var input = CalibrationData.SingleInput(quantized.Graph);
            string outputName = quantized.Graph.Outputs[0].Name;
            using var fp32 = new OrtRunner(modelBytes, input, outputName);
            using var int8 = new OrtRunner(OnnxExporter.ToBytes(qdq with { Graph = QdqExporter.WithInt8Outputs(qdq.Graph) }), input, QdqExporter.QuantizedName(outputName));
            stderr.WriteLine($"edgeprune: evaluating on {evalData.Shape[0]} samples");
            evaluation = QuantizationEvaluation.Evaluate(quantized, evalData, labelValues, fp32.Run, int8.Run);
        }

        stdout.Write(request.Json ? FormatJson(request, report, evaluation) : FormatText(request, report, evaluation));
        return 0;
    }

    private static string FormatText(Request request, QuantizationReport report, EvaluationResult? evaluation)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var cal = report.Calibration;
        text.AppendLine(c, $"calibration: {cal.Method.ToString().ToLowerInvariant()} on {cal.Samples} samples; {cal.SamplesThatChangedRanges} of them widened a range");
        text.AppendLine(c, $"{"layer",-28} {"op",-18} {"bits",4} {"weight scales",-21} {"out scale",10} {"zp",4} {"encoding",-8} {"bytes",8} {"rel err",8}");
        foreach (var l in report.Layers)
        {
            string scales = l.Storage is null ? "-" : $"{l.WeightScaleMin:G3}..{l.WeightScaleMax:G3}";
            string encoding = l.Storage?.Encoding.ToString().ToLowerInvariant() ?? "-";
            string bytes = l.Storage?.TotalBytes.ToString(c) ?? "-";
            text.AppendLine(c, $"{Clip(l.Name, 28),-28} {Clip(l.Op, 18),-18} {l.Bits,4} {scales,-21} {l.OutputScale,10:G4} {l.OutputZeroPoint,4} {encoding,-8} {bytes,8} {l.RelativeError,8:P2}");
        }

        text.AppendLine(c, $"weights: {report.Fp32WeightBytes} bytes fp32 -> {report.QuantizedWeightBytes} bytes quantized ({report.CompressionRatio:F1}x); relative errors on {report.ErrorSamples} calibration samples");
        if (evaluation is { } e)
        {
            text.AppendLine(c, $"accuracy on {e.Samples} samples: fp32 {e.Fp32Accuracy:P2}, QDQ (ONNX Runtime) {e.QdqAccuracy:P2} ({e.LossPoints:+0.00;-0.00;0.00} pt loss), integer executor {e.IntegerAccuracy:P2}");
            text.AppendLine(c, $"integer executor vs ONNX Runtime: argmax agrees on {e.ArgMaxAgreements}/{e.Samples}, int8 outputs within {e.MaxLsbDifference} LSB");
        }

        text.AppendLine(c, $"wrote {request.Output}");
        return text.ToString();
    }

    private static string Clip(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "~";

    private static string FormatJson(Request request, QuantizationReport report, EvaluationResult? evaluation)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("model", request.Model);
            json.WriteString("output", request.Output);
            json.WriteStartObject("calibration");
            json.WriteString("method", report.Calibration.Method.ToString().ToLowerInvariant());
            json.WriteNumber("samples", report.Calibration.Samples);
            json.WriteNumber("samples_that_changed_ranges", report.Calibration.SamplesThatChangedRanges);
            json.WriteEndObject();
            json.WriteStartArray("layers");
            foreach (var l in report.Layers)
            {
                json.WriteStartObject();
                json.WriteString("name", l.Name);
                json.WriteString("op", l.Op);
                json.WriteNumber("bits", l.Bits);
                if (l.Storage is { } s)
                {
                    json.WriteNumber("weight_scale_min", l.WeightScaleMin);
                    json.WriteNumber("weight_scale_max", l.WeightScaleMax);
                    json.WriteNumber("weights", s.Elements);
                    json.WriteNumber("nonzero_weights", s.NonZeros);
                    json.WriteString("encoding", s.Encoding.ToString().ToLowerInvariant());
                    json.WriteNumber("weight_bytes", s.WeightBytes);
                    json.WriteNumber("parameter_bytes", s.ParameterBytes);
                }

                json.WriteNumber("output_scale", l.OutputScale);
                json.WriteNumber("output_zero_point", l.OutputZeroPoint);
                json.WriteNumber("relative_error", double.IsFinite(l.RelativeError) ? l.RelativeError : -1);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("fp32_weight_bytes", report.Fp32WeightBytes);
            json.WriteNumber("quantized_weight_bytes", report.QuantizedWeightBytes);
            json.WriteNumber("compression_ratio", Math.Round(report.CompressionRatio, 3));
            if (evaluation is { } e)
            {
                json.WriteStartObject("evaluation");
                json.WriteNumber("samples", e.Samples);
                json.WriteNumber("fp32_accuracy", e.Fp32Accuracy);
                json.WriteNumber("qdq_accuracy", e.QdqAccuracy);
                json.WriteNumber("integer_accuracy", e.IntegerAccuracy);
                json.WriteNumber("loss_points", Math.Round(e.LossPoints, 4));
                json.WriteNumber("argmax_agreements", e.ArgMaxAgreements);
                json.WriteNumber("max_lsb_difference", e.MaxLsbDifference);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    /// <summary>An ONNX Runtime session returning one output; feeds the batch whole, or sample by sample when the model fixes its batch size.</summary>
    private sealed class OrtRunner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly string _input;
        private readonly string _output;
        private readonly int? _fixedBatch;

        public OrtRunner(byte[] onnx, ValueInfo input, string output)
        {
            using var options = new SessionOptions { IntraOpNumThreads = 2 };
            _session = new InferenceSession(onnx, options);
            _input = input.Name;
            _output = output;
            var batch = input.Type.Shape?[0];
            _fixedBatch = batch is { IsKnown: true } b ? (int)b.Value!.Value : null;
        }

        public Tensor Run(Tensor batch)
        {
            int step = _fixedBatch ?? batch.Shape[0];
            var parts = new List<Tensor>();
            for (int start = 0; start < batch.Shape[0]; start += step)
            {
                var part = CalibrationData.Slice(batch, start, step);
                var feed = NamedOnnxValue.CreateFromTensor(_input, new DenseTensor<float>(part.Span<float>().ToArray(), part.Shape.ToArray()));
                using var results = _session.Run([feed], [_output]);
                var value = results[0];
                parts.Add(value.Value switch
                {
                    DenseTensor<float> f => Tensor.FromArray(f.Buffer.ToArray(), f.Dimensions.ToArray()),
                    DenseTensor<sbyte> s => Tensor.FromArray(s.Buffer.ToArray(), s.Dimensions.ToArray()),
                    _ => throw new EdgePruneException($"output '{_output}' is neither float nor int8; evaluation needs class scores"),
                });
            }

            return parts.Count == 1 ? parts[0] : Concatenate(parts);
        }

        private static Tensor Concatenate(List<Tensor> parts)
        {
            int[] shape = [parts.Sum(p => p.Shape[0]), .. parts[0].Shape[1..]];
            return parts[0].DataType == DataType.Float
                ? Tensor.FromArray(parts.SelectMany(p => p.Span<float>().ToArray()).ToArray(), shape)
                : Tensor.FromArray(parts.SelectMany(p => p.Span<sbyte>().ToArray()).ToArray(), shape);
        }

        public void Dispose() => _session.Dispose();
    }
}
