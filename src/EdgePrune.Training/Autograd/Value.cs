using EdgePrune.Core.Ir;

namespace EdgePrune.Training.Autograd;

/// <summary>
/// A mutable, reusable buffer for one value of a graph while it trains: float data with a shape, or (for shape
/// and index tensors) an immutable Core tensor. Its array is kept between steps and only grows, so a steady-state
/// step with unchanged shapes allocates nothing; <see cref="Data"/> may be longer than <see cref="Count"/>.
/// </summary>
internal sealed class Value
{
    private static readonly int[] ScalarShape = [];

    public int[] Shape { get; private set; } = ScalarShape;

    public float[] Data { get; private set; } = [];

    public int Count { get; private set; }

    /// <summary>Set for values that are not float (int64 shapes, indices); <see cref="Data"/> is then unused.</summary>
    public Tensor? NonFloat { get; private set; }

    public Span<float> Span => Data.AsSpan(0, Count);

    public bool IsFloat => NonFloat is null;

    /// <summary>Gives the value a shape, growing the buffer when needed; the contents are unspecified afterwards.</summary>
    public void Resize(ReadOnlySpan<int> shape)
    {
        NonFloat = null;
        if (!shape.SequenceEqual(Shape))
        {
            Shape = shape.ToArray();
        }

        Count = checked((int)Tensor.ElementCountOf(shape));
        if (Data.Length < Count)
        {
            Data = new float[Count];
        }
    }

    public void ResizeLike(Value other) => Resize(other.Shape);

    public void Clear() => Span.Clear();

    /// <summary>Holds <paramref name="tensor"/>: float tensors are copied into the buffer, others are kept as they are.</summary>
    public void Set(Tensor tensor)
    {
        if (tensor.DataType != DataType.Float)
        {
            NonFloat = tensor;
            Shape = tensor.Shape.ToArray();
            Count = tensor.ElementCount;
            return;
        }

        Resize(tensor.Shape);
        tensor.Span<float>().CopyTo(Span);
    }

    /// <summary>A Core tensor with a copy of the contents (for the reference kernels and for export).</summary>
    public Tensor ToTensor() => NonFloat ?? Tensor.FromArray(Span.ToArray(), Shape);
}
