using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Memory;

/// <summary>
/// Turns shapes with symbolic or unknown dimensions into concrete ones by taking every such dimension as 1.
/// Symbolic dimensions are almost always the batch, and a microcontroller runs one sample at a time, so
/// sizes, MAC counts and arena plans are reported for a batch of one.
/// </summary>
public static class ConcreteShapes
{
    /// <summary>The type with every symbolic or unknown dimension replaced by 1; throws when even the rank is unknown.</summary>
    public static TensorType Of(TensorType type, string valueName)
    {
        if (type.Shape is null)
        {
            throw new EdgePruneException($"value '{valueName}' has no known shape (not even its rank), so its size cannot be computed; declare its shape in the model");
        }

        return type with { Shape = type.Shape.Select(d => d.IsKnown ? d : Dim.Of(1)).ToArray() };
    }

    /// <summary>Bytes the value occupies with symbolic dimensions taken as 1.</summary>
    public static long ByteSize(TensorType type, string valueName)
    {
        if (type.ElementType is DataType.Undefined or DataType.String)
        {
            throw new EdgePruneException($"value '{valueName}' has element type {type.ElementType.OnnxName()}, which has no fixed size");
        }

        var shape = Of(type, valueName).Shape!;
        try
        {
            long elements = 1;
            foreach (var d in shape)
            {
                elements = checked(elements * d.Value!.Value);
            }

            return checked(elements * type.ElementType.SizeInBytes());
        }
        catch (OverflowException)
        {
            throw new EdgePruneException($"value '{valueName}' of type {type} is larger than 2^63 bytes");
        }
    }
}
