using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Dropout, in inference mode only: the output is the input and the optional mask is all true (nothing
/// dropped). ONNX Operators.md#Dropout. The mask has the input's type before opset 10 and is bool from 10;
/// from opset 12 'ratio' and 'training_mode' are inputs, and a training_mode of true is rejected because
/// EdgePrune never samples random masks. 'is_test' (before opset 7) does not change inference.
/// </summary>
public sealed class Dropout : Operator
{
    public override string OpType => "Dropout";
    public override int MinInputs => 1;
    public override int MaxInputs => 3;
    public override int MaxOutputs => 2;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "ratio", "is_test", "seed" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (opset < 12 && node.Inputs.Length > 1)
        {
            problems.Add($"the 'ratio' and 'training_mode' inputs exist only from opset 12, but the model declares opset {opset}");
        }

        if (opset >= 12 && node.HasAttribute("ratio"))
        {
            problems.Add($"from opset 12 'ratio' is an input, not an attribute (the model declares opset {opset})");
        }

        if (opset < 12 && node.HasAttribute("seed"))
        {
            problems.Add($"attribute 'seed' exists only from opset 12, but the model declares opset {opset}");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (opset >= 12 && node.OptionalInput(2) is not null)
        {
            if (inputs[2]!.ElementType != DataType.Bool)
            {
                throw new EdgePruneException($"{node.Describe()}: training_mode must be bool, got {inputs[2]!.ElementType.OnnxName()}");
            }

            RequireInference(node, constants[2]);
        }

        return [x, x with { ElementType = MaskType(opset, x.ElementType) }];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        if (opset >= 12 && inputs.Count > 2)
        {
            RequireInference(node, inputs[2]);
        }

        if (node.Outputs.Length < 2 || node.Outputs[1].Length == 0)
        {
            return [x];
        }

        var maskType = MaskType(opset, x.DataType);
        // Half is the one element type that is not IConvertible.
        var one = ElementCopy.Allocate(maskType, 1);
        one.SetValue(maskType == DataType.Float16 ? Half.One : Convert.ChangeType(1, maskType.ClrType()), 0);
        var mask = ElementCopy.Allocate(maskType, x.ElementCount);
        ElementCopy.Fill(mask, one);
        return [x, Tensor.Create(maskType, x.Shape.ToArray(), mask)];
    }

    private static DataType MaskType(int opset, DataType input) => opset < 10 ? input : DataType.Bool;

    private static void RequireInference(Node node, Tensor? trainingMode)
    {
        if (trainingMode is not null && trainingMode.ToInt64Array().Any(v => v != 0))
        {
            throw new EdgePruneException($"{node.Describe()}: training_mode is true; EdgePrune runs Dropout in inference mode only (export the model in eval mode)");
        }
    }
}
