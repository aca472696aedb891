namespace EdgePrune.Runtime.Format;

/// <summary>One node of the graph section: op, tensor refs and attributes, checked for ref ranges by the reader; each op's step checks the rest.</summary>
public sealed class NodeRecord
{
    public required int Index { get; init; }
    public required OpCode Op { get; init; }
    public required int[] Inputs { get; init; }
    public required int[] Outputs { get; init; }
    public required Dictionary<AttributeId, long[]> Ints { get; init; }
    public required Dictionary<AttributeId, float[]> Floats { get; init; }

    public string Describe() => $"node {Index} ({Op})";

    public long[] GetInts(AttributeId id, long[] defaultValue) => Ints.TryGetValue(id, out var v) ? v : defaultValue;

    public long GetInt(AttributeId id, long defaultValue)
    {
        if (!Ints.TryGetValue(id, out var v))
        {
            return defaultValue;
        }

        return v.Length == 1 ? v[0] : throw new EpbFormatException($"{Describe()}: attribute {id} must hold one integer, not {v.Length}");
    }

    public float GetFloat(AttributeId id, float defaultValue)
    {
        if (!Floats.TryGetValue(id, out var v))
        {
            return defaultValue;
        }

        return v.Length == 1 ? v[0] : throw new EpbFormatException($"{Describe()}: attribute {id} must hold one float, not {v.Length}");
    }
}
