using EdgePrune.Compression.Quantization.Kernels;
using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Runs a <see cref="QuantizedModel"/> with integer arithmetic only (int8 values, int32 accumulators, fixed-point
/// requantization): the host's prediction of what a device running the same formulas outputs. The float input is
/// quantized once at the entrance (QuantizeLinear's formula); everything after is integer. Kernels are prepared
/// once in the constructor.
/// </summary>
public sealed class IntegerExecutor
{
    private readonly QuantizedModel _model;
    private readonly Int8Kernel[] _kernels;

    public IntegerExecutor(QuantizedModel model)
    {
        _model = model;
        _kernels = [.. model.Steps.Select(s => Int8Kernel.Create(model, s))];
    }

    /// <summary>Quantizes a float input with the input's parameters (round half to even, as QuantizeLinear).</summary>
    public Tensor QuantizeInput(Tensor input)
    {
        var q = _model.Activations[_model.InputName];
        var xs = input.Span<float>();
        var result = new sbyte[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            result[i] = (sbyte)q.Quantize(xs[i]);
        }

        return Tensor.FromArray(result, input.Shape.ToArray());
    }

    /// <summary>Runs on a float input; returns every graph output as int8 (and, with <paramref name="keepIntermediates"/>, every step output).</summary>
    public IReadOnlyDictionary<string, Tensor> Run(Tensor input, bool keepIntermediates = false) =>
        RunQuantized(QuantizeInput(input), keepIntermediates);

    /// <summary>Runs on an already quantized int8 input.</summary>
    public IReadOnlyDictionary<string, Tensor> RunQuantized(Tensor input, bool keepIntermediates = false)
    {
        if (input.DataType != DataType.Int8)
        {
            throw new EdgePruneException($"input '{_model.InputName}' is {input.DataType.OnnxName()}; the integer executor takes int8 (or float through Run)");
        }

        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_model.InputName] = input };
        for (int i = 0; i < _kernels.Length; i++)
        {
            var step = _model.Steps[i];
            var args = step.Inputs.Select(name => values[name]).ToArray();
            values[step.Output] = _kernels[i].Run(args);
        }

        if (keepIntermediates)
        {
            return values;
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var output in _model.Graph.Outputs)
        {
            result[output.Name] = values.TryGetValue(output.Name, out var v)
                ? v
                : throw new EdgePruneException($"graph output '{output.Name}' is not produced by a quantized step");
        }

        return result;
    }

    /// <summary>Runs step <paramref name="index"/> of the model alone on the given int8 inputs (in <see cref="QuantizedStep.Inputs"/> order).</summary>
    public Tensor RunStep(int index, IReadOnlyList<Tensor> inputs) => _kernels[index].Run(inputs);

    /// <summary>real = scale · (q − zero_point) for an int8 value of the model.</summary>
    public Tensor Dequantize(string name, Tensor q)
    {
        var p = _model.Activations[name];
        var qs = q.Span<sbyte>();
        var result = new float[qs.Length];
        for (int i = 0; i < qs.Length; i++)
        {
            result[i] = p.Dequantize(qs[i]);
        }

        return Tensor.FromArray(result, q.Shape.ToArray());
    }
}
