using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Memory;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgePrune.Core.Ir.Tensor;

namespace EdgePrune.Cli.Checking;

/// <summary>
/// Runs a model in EdgePrune's <see cref="ReferenceExecutor"/> and in ONNX Runtime on the same inputs and
/// compares every output. Inputs come from a data file (<see cref="ModelInputs"/>) or are generated:
/// symbolic dimensions taken as 1; float elements uniform in [-1, 1), drawn from <c>new Random(seed)</c>
/// input by input in declaration order, row-major.
/// </summary>
public static class ModelChecker
{
    /// <summary>An output agrees when max |diff| ≤ this · max(1, output range): fp32 kernels that sum in another order differ by a few ulps per accumulation.</summary>
    public const double RelativeTolerance = 1e-4;

    /// <summary>Largest generated input (1 GiB): beyond it the shape is almost surely a mistake, and the element count would overflow an array.</summary>
    public const long MaxInputBytes = 1L << 30;

    /// <param name="onnx">The model file's bytes, given to ONNX Runtime as they are.</param>
    /// <param name="model">The same file as imported by EdgePrune.</param>
    /// <param name="inputsFile">A data file holding the inputs, or null to generate them from <paramref name="seed"/>.</param>
    public static CheckReport Check(byte[] onnx, Model model, string sourceName, int seed, string? inputsFile = null)
    {
        var inputs = inputsFile is null ? GenerateInputs(model.Graph, seed, sourceName) : ModelInputs.Load(inputsFile, model.Graph);
        IReadOnlyDictionary<string, Tensor> reference;
        try
        {
            reference = ReferenceExecutor.Run(model.Graph, inputs);
        }
        catch (EdgePruneException e) when (!e.Message.StartsWith(sourceName, StringComparison.Ordinal))
        {
            throw new EdgePruneException($"{sourceName}: {e.Message}", e);
        }

        var onnxRuntime = OnnxRuntimeRun(onnx, inputs, sourceName);
        var outputs = model.Graph.Outputs
            .Select(o => Compare(o.Name, reference[o.Name], onnxRuntime.TryGetValue(o.Name, out var t)
                ? t
                : throw new EdgePruneException($"{sourceName}: ONNX Runtime did not return output '{o.Name}'")))
            .ToList();
        var inputInfos = inputs.Select(kv => new ValueInfo(kv.Key, TensorType.Of(kv.Value.DataType, kv.Value.Shape.ToArray()))).ToList();
        return new CheckReport(sourceName, seed, inputsFile, inputInfos, outputs);
    }

    public static Dictionary<string, Tensor> GenerateInputs(Graph graph, int seed, string sourceName)
    {
        var random = new Random(seed);
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs)
        {
            if (input.Type.ElementType != DataType.Float)
            {
                throw new EdgePruneException($"{sourceName}: input '{input.Name}' is {input.Type}; check generates float inputs only");
            }

            long bytes = ConcreteShapes.ByteSize(input.Type, input.Name);
            if (bytes > MaxInputBytes)
            {
                throw new EdgePruneException($"{sourceName}: input '{input.Name}' ({input.Type}) would take {bytes} bytes; check generates inputs of at most {MaxInputBytes} bytes");
            }

            int[] shape = ConcreteShapes.Of(input.Type, input.Name).ConcreteShape();
            var data = new float[Tensor.ElementCountOf(shape)];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (float)(random.NextDouble() * 2 - 1);
            }

            inputs[input.Name] = Tensor.FromArray(data, shape);
        }

        return inputs;
    }

    /// <summary>Compares two outputs; see <see cref="OutputAgreement"/> for the measures.</summary>
    public static OutputAgreement Compare(string name, Tensor reference, Tensor onnxRuntime)
    {
        var a = reference.ToFloatArray();
        var b = onnxRuntime.ToFloatArray();
        double range = b.Any(float.IsFinite) ? b.Where(float.IsFinite).Max() - (double)b.Where(float.IsFinite).Min() : 0;
        double tolerance = RelativeTolerance * Math.Max(1, range);
        if (!reference.Shape.SequenceEqual(onnxRuntime.Shape))
        {
            return new OutputAgreement(name, reference.Shape.ToArray(), onnxRuntime.Shape.ToArray(), double.PositiveInfinity, double.PositiveInfinity, range, tolerance);
        }

        double maxAbs = 0, maxRel = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            if (x.Equals(y))
            {
                continue;
            }

            double diff = double.IsNaN(x) || double.IsNaN(y) ? double.PositiveInfinity : Math.Abs(x - y);
            maxAbs = Math.Max(maxAbs, diff);
            maxRel = Math.Max(maxRel, double.IsFinite(diff) ? diff / Math.Max(Math.Abs(x), Math.Abs(y)) : double.PositiveInfinity);
        }

        return new OutputAgreement(name, reference.Shape.ToArray(), onnxRuntime.Shape.ToArray(), maxAbs, maxRel, range, tolerance);
    }

    private static Dictionary<string, Tensor> OnnxRuntimeRun(byte[] onnx, Dictionary<string, Tensor> inputs, string sourceName)
    {
        try
        {
            // No graph optimizations and one thread: ORT's fusions change float rounding, and the check should measure EdgePrune, not ORT's rewrites.
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
            using var session = new InferenceSession(onnx, options);
            var names = inputs.Keys.ToList();
            var values = inputs.Values.Select(t => OrtValue.CreateTensorValueFromMemory(t.ToFloatArray(), t.Shape.ToArray().Select(d => (long)d).ToArray())).ToList();
            try
            {
                using var runOptions = new RunOptions();
                var outputNames = session.OutputNames.ToList();
                using var results = session.Run(runOptions, names, values, outputNames);
                return outputNames.Zip(results).ToDictionary(p => p.First, p => FromOrt(p.Second, p.First, sourceName), StringComparer.Ordinal);
            }
            finally
            {
                values.ForEach(v => v.Dispose());
            }
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgePruneException($"{sourceName}: ONNX Runtime cannot run the model ({e.Message})", e);
        }
    }

    private static Tensor FromOrt(OrtValue value, string name, string sourceName)
    {
        var info = value.GetTensorTypeAndShape();
        int[] shape = info.Shape.Select(d => checked((int)d)).ToArray();
        return info.ElementDataType switch
        {
            TensorElementType.Float => Tensor.FromArray(value.GetTensorDataAsSpan<float>().ToArray(), shape),
            TensorElementType.Double => Tensor.FromArray(value.GetTensorDataAsSpan<double>().ToArray(), shape),
            TensorElementType.Int64 => Tensor.FromArray(value.GetTensorDataAsSpan<long>().ToArray(), shape),
            TensorElementType.Int32 => Tensor.FromArray(value.GetTensorDataAsSpan<int>().ToArray(), shape),
            TensorElementType.Int8 => Tensor.FromArray(value.GetTensorDataAsSpan<sbyte>().ToArray(), shape),
            TensorElementType.UInt8 => Tensor.FromArray(value.GetTensorDataAsSpan<byte>().ToArray(), shape),
            TensorElementType.Bool => Tensor.FromArray(value.GetTensorDataAsSpan<bool>().ToArray(), shape),
            var other => throw new EdgePruneException($"{sourceName}: output '{name}' is {other}; check compares float, double, integer and bool outputs only"),
        };
    }
}
