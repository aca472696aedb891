using System.Collections.Immutable;

namespace EdgePrune.Core.Ir;

/// <summary>
/// One operation of a graph. Inputs and outputs are value names; an empty input name marks an omitted
/// optional input (as in ONNX). Immutable: rewrites build new nodes with <c>with</c>.
/// </summary>
public sealed record Node
{
    public required string Name { get; init; }
    public required string OpType { get; init; }

    /// <summary>"" for the default ONNX domain, "ai.onnx.ml" for the ML ops.</summary>
    public string Domain { get; init; } = "";
    public ImmutableArray<string> Inputs { get; init; } = [];
    public ImmutableArray<string> Outputs { get; init; } = [];
    public ImmutableDictionary<string, AttributeValue> Attributes { get; init; } = ImmutableDictionary<string, AttributeValue>.Empty;

    /// <summary>"Conv 'conv1'": how messages name a node.</summary>
    public string Describe() => $"{OpType} '{Name}'";

    /// <summary>The input at <paramref name="index"/>, or null when it is absent or omitted ("").</summary>
    public string? OptionalInput(int index) =>
        index < Inputs.Length && Inputs[index].Length > 0 ? Inputs[index] : null;

    public bool HasAttribute(string name) => Attributes.ContainsKey(name);

    public long GetInt(string name, long defaultValue) =>
        Attributes.TryGetValue(name, out var a) ? Expect(name, a, AttributeKind.Int).Int : defaultValue;

    public float GetFloat(string name, float defaultValue) =>
        Attributes.TryGetValue(name, out var a) ? Expect(name, a, AttributeKind.Float).Float : defaultValue;

    public string GetString(string name, string defaultValue) =>
        Attributes.TryGetValue(name, out var a) ? Expect(name, a, AttributeKind.String).String : defaultValue;

    /// <summary>The ints attribute, or null when absent.</summary>
    public long[]? GetInts(string name) =>
        Attributes.TryGetValue(name, out var a) ? Expect(name, a, AttributeKind.Ints).Ints.ToArray() : null;

    /// <summary>The floats attribute, or null when absent.</summary>
    public float[]? GetFloats(string name) =>
        Attributes.TryGetValue(name, out var a) ? Expect(name, a, AttributeKind.Floats).Floats.ToArray() : null;

    public Tensor? GetTensor(string name) =>
        Attributes.TryGetValue(name, out var a) ? Expect(name, a, AttributeKind.Tensor).Tensor : null;

    public Node WithAttribute(string name, AttributeValue value) => this with { Attributes = Attributes.SetItem(name, value) };

    private AttributeValue Expect(string name, AttributeValue value, AttributeKind kind) => value.Kind == kind
        ? value
        : throw new EdgePruneException($"{Describe()}: attribute '{name}' must be {kind.ToString().ToLowerInvariant()}, but is {value.Kind.ToString().ToLowerInvariant()}");
}
