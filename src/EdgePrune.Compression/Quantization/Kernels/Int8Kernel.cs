using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>
/// One int8 step, prepared once (multipliers, shifts, clamp bounds, tables), then run many times on int8 tensors
/// with integer arithmetic only (TFLite Micro's Prepare/Eval split, STYLE.md §2).
/// </summary>
public abstract class Int8Kernel
{
    /// <summary>Runs the step on its int8 inputs (in <see cref="QuantizedStep.Inputs"/> order); returns the int8 output.</summary>
    public abstract Tensor Run(IReadOnlyList<Tensor> inputs);

    /// <summary>The kernel of <paramref name="step"/> in <paramref name="model"/>.</summary>
    public static Int8Kernel Create(QuantizedModel model, QuantizedStep step) => step.Kind switch
    {
        StepKind.Conv => new ConvS8(model, step),
        StepKind.FullyConnected => new FullyConnectedS8(model, step),
        StepKind.Add => new AddS8(model, step),
        StepKind.MaxPool => new MaxPoolS8(step),
        StepKind.AveragePool => new AveragePoolS8(model, step),
        StepKind.Concat => new ConcatS8(model, step),
        StepKind.Softmax => new SoftmaxS8(model, step),
        StepKind.Sigmoid => new SigmoidS8(model, step),
        StepKind.Clamp => new ClampS8(model, step),
        _ => new MoveS8(model, step),
    };

    /// <summary>[low, high] of the output integers: int8's range narrowed by the fused activation's real bounds.</summary>
    protected static (int Low, int High) OutputBounds(QuantizedStep step, TensorQuantization output)
    {
        int low = float.IsNegativeInfinity(step.ActivationMin) ? -128 : Math.Max(-128, output.Quantize(step.ActivationMin));
        int high = float.IsPositiveInfinity(step.ActivationMax) ? 127 : Math.Min(127, output.Quantize(step.ActivationMax));
        return (low, high);
    }

    protected static sbyte[] Data(Tensor t) => t.Span<sbyte>().ToArray();
}
