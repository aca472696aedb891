namespace EdgePrune.Core.Ir;

/// <summary>One dimension of a value's shape: a known size, a named symbol (e.g. the batch "N"), or unknown.</summary>
public readonly record struct Dim
{
    private Dim(long? value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>The size when known.</summary>
    public long? Value { get; }

    /// <summary>The symbol when the size is symbolic (ONNX dim_param).</summary>
    public string? Symbol { get; }

    public bool IsKnown => Value.HasValue;

    public static Dim Of(long value) => value >= 0
        ? new Dim(value, null)
        : throw new EdgePruneException($"dimension {value} is negative");

    public static Dim Named(string symbol) => new(null, symbol);

    public static Dim Unknown => default;

    public static implicit operator Dim(long value) => Of(value);

    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}

/// <summary>Element type and (possibly partial) shape of a value. <see cref="Shape"/> is null when even the rank is unknown.</summary>
public sealed record TensorType(DataType ElementType, IReadOnlyList<Dim>? Shape)
{
    public int? Rank => Shape?.Count;

    /// <summary>True when every dimension is a known number.</summary>
    public bool IsFullyKnown => Shape is not null && Shape.All(d => d.IsKnown);

    /// <summary>The concrete shape; only valid when <see cref="IsFullyKnown"/>.</summary>
    public int[] ConcreteShape() => Shape is not null && IsFullyKnown
        ? Shape.Select(d => checked((int)d.Value!.Value)).ToArray()
        : throw new InvalidOperationException($"shape {this} is not fully known");

    public static TensorType Of(DataType elementType, params int[] shape) =>
        new(elementType, shape.Select(d => Dim.Of(d)).ToArray());

    public override string ToString() =>
        ElementType.OnnxName() + (Shape is null ? "[?]" : "[" + string.Join(", ", Shape) + "]");
}

/// <summary>A named graph input, output or intermediate value with its type.</summary>
public sealed record ValueInfo(string Name, TensorType Type);
