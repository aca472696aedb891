namespace EdgePrune.Training.Autograd;

/// <summary>
/// A trainable initializer: its current values, the gradient of the last backward pass, and an optional pruning
/// mask (1 keeps a weight, 0 pins it to exactly zero). The spans stay valid for the engine's lifetime.
/// </summary>
public sealed class Parameter
{
    private readonly Value _value;
    private readonly Value _gradient;

    internal Parameter(string name, Value value, Value gradient)
    {
        Name = name;
        _value = value;
        _gradient = gradient;
    }

    public string Name { get; }

    public ReadOnlySpan<int> Shape => _value.Shape;

    public int Count => _value.Count;

    public Span<float> Values => _value.Span;

    public Span<float> Gradient => _gradient.Span;

    /// <summary>1 where the weight may change, 0 where pruning fixed it at zero; null when nothing is pruned.</summary>
    public float[]? Mask { get; private set; }

    /// <summary>Pins the weights where <paramref name="mask"/> is 0 to zero, now and after every optimizer step.</summary>
    public void SetMask(ReadOnlySpan<float> mask)
    {
        if (mask.Length != Count)
        {
            throw new ArgumentException($"mask for '{Name}' has {mask.Length} elements, the parameter {Count}", nameof(mask));
        }

        Mask = mask.ToArray();
        ApplyMask();
    }

    /// <summary>Zeroes the masked weights (and their gradient, so no optimizer state builds up for them).</summary>
    public void ApplyMask()
    {
        if (Mask is null)
        {
            return;
        }

        System.Numerics.Tensors.TensorPrimitives.Multiply(Values, Mask, Values);
        if (_gradient.Count == Count)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(Gradient, Mask, Gradient);
        }
    }
}
