using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;

namespace EdgePrune.Compression.Quantization.Kernels;

/// <summary>Reshape, Flatten, Transpose: Core's kernels move elements of any type, so they run on the int8 data unchanged.</summary>
public sealed class MoveS8(QuantizedModel model, QuantizedStep step) : Int8Kernel
{
    private readonly Operator _op = OpSet.Default.Get(step.Node);

    public override Tensor Run(IReadOnlyList<Tensor> inputs)
    {
        var node = step.Node;
        var args = new Tensor?[node.Inputs.Length];
        args[0] = inputs[0];
        for (int i = 1; i < args.Length; i++)
        {
            args[i] = node.OptionalInput(i) is { } name ? model.Graph.Initializers[name] : null;
        }

        return _op.Execute(node, model.Graph.Opset, args)[0];
    }
}
