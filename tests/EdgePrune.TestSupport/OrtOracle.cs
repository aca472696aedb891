using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgePrune.Core.Ir.Tensor;

namespace EdgePrune.TestSupport;

/// <summary>Runs models in ONNX Runtime, the oracle every EdgePrune result is compared with.</summary>
public static class OrtOracle
{
    /// <summary>Exports <paramref name="model"/> with EdgePrune's exporter and runs it in ORT.</summary>
    public static Dictionary<string, Tensor> Run(Model model, IReadOnlyDictionary<string, Tensor> inputs) =>
        Run(OnnxExporter.ToBytes(model), inputs);

    public static Dictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs) =>
        Run(new Model { Graph = graph }, inputs);

    public static Dictionary<string, Tensor> Run(byte[] onnx, IReadOnlyDictionary<string, Tensor> inputs)
    {
        // Basic graph optimizations only: higher levels fuse ops and change float rounding.
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        var feeds = inputs.Select(kv => ToOrt(kv.Key, kv.Value)).ToList();
        using var results = session.Run(feeds);
        return results.ToDictionary(r => r.Name, r => FromOrt(r));
    }

    private static NamedOnnxValue ToOrt(string name, Tensor t)
    {
        int[] dims = t.Shape.ToArray();
        return t.DataType switch
        {
            DataType.Float => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(t.Span<float>().ToArray(), dims)),
            DataType.Int64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(t.Span<long>().ToArray(), dims)),
            DataType.Int32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(t.Span<int>().ToArray(), dims)),
            DataType.Int8 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<sbyte>(t.Span<sbyte>().ToArray(), dims)),
            DataType.UInt8 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<byte>(t.Span<byte>().ToArray(), dims)),
            DataType.Bool => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<bool>(t.Span<bool>().ToArray(), dims)),
            DataType.Double => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<double>(t.Span<double>().ToArray(), dims)),
            _ => throw new NotSupportedException($"test oracle does not feed {t.DataType}"),
        };
    }

    private static Tensor FromOrt(DisposableNamedOnnxValue value) => value.Value switch
    {
        DenseTensor<float> f => Tensor.FromArray(f.Buffer.ToArray(), f.Dimensions.ToArray()),
        DenseTensor<long> l => Tensor.FromArray(l.Buffer.ToArray(), l.Dimensions.ToArray()),
        DenseTensor<int> i => Tensor.FromArray(i.Buffer.ToArray(), i.Dimensions.ToArray()),
        DenseTensor<sbyte> s => Tensor.FromArray(s.Buffer.ToArray(), s.Dimensions.ToArray()),
        DenseTensor<byte> b => Tensor.FromArray(b.Buffer.ToArray(), b.Dimensions.ToArray()),
        DenseTensor<bool> b => Tensor.FromArray(b.Buffer.ToArray(), b.Dimensions.ToArray()),
        DenseTensor<double> d => Tensor.FromArray(d.Buffer.ToArray(), d.Dimensions.ToArray()),
        _ => throw new NotSupportedException($"test oracle does not read {value.Value?.GetType()}"),
    };
}
