using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// One ONNX op: its arity and attributes (checked once, when a graph is loaded), its shape rule, and its
/// fp32 reference kernel. One subclass per op, one file per op (STYLE.md §2). Subclasses are found by
/// <see cref="OpSet"/> through reflection, so adding an op is adding a file.
/// </summary>
public abstract class Operator
{
    public abstract string OpType { get; }

    /// <summary>"" for the default ONNX domain.</summary>
    public virtual string Domain => "";

    /// <summary>The first default-domain opset in which this op exists.</summary>
    public virtual int SinceOpset => 1;

    public abstract int MinInputs { get; }
    public abstract int MaxInputs { get; }
    public virtual int MinOutputs => 1;
    public virtual int MaxOutputs => 1;

    /// <summary>Every attribute name this op understands; any other attribute is reported, never ignored.</summary>
    public abstract IReadOnlySet<string> Attributes { get; }

    /// <summary>
    /// Adds a human-readable problem for every attribute value this op cannot handle (e.g. an unsupported
    /// mode). Arity and unknown attribute names are already checked by <see cref="OpSet"/>.
    /// Each problem is phrased without the node name; the caller prefixes it.
    /// </summary>
    public virtual void Validate(Node node, int opset, List<string> problems)
    {
    }

    /// <summary>
    /// The shape rule: output types from input types. <paramref name="constants"/> holds the values of
    /// inputs known at load time (initializers and folded constants), null elsewhere, for ops whose output
    /// shape depends on an input's value (Reshape, Slice, ...). Throws <see cref="EdgePruneException"/> on
    /// inputs the op rejects (wrong element type, mismatching shapes).
    /// </summary>
    public abstract TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants);

    /// <summary>The reference kernel. Omitted optional inputs are null.</summary>
    public abstract Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs);

    /// <summary>Multiply-accumulates one run performs with concrete input shapes; 0 for ops that only move or combine data cheaply.</summary>
    public virtual long CountMacs(Node node, IReadOnlyList<TensorType?> inputs, IReadOnlyList<TensorType> outputs) => 0;
}
