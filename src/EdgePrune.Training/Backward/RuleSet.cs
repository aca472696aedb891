using System.Collections.Frozen;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

/// <summary>The training rule of every default-domain op EdgePrune can differentiate; an op not listed has no backward pass.</summary>
internal static class RuleSet
{
    private static readonly FrozenDictionary<string, OpRule> Rules = new Dictionary<string, OpRule>(StringComparer.Ordinal)
    {
        ["Conv"] = new ConvGrad(),
        ["Gemm"] = new GemmGrad(),
        ["MatMul"] = new MatMulGrad(),
        ["Add"] = new BinaryGrad(BinaryOp.Add),
        ["Sub"] = new BinaryGrad(BinaryOp.Sub),
        ["Mul"] = new BinaryGrad(BinaryOp.Mul),
        ["Div"] = new BinaryGrad(BinaryOp.Div),
        ["Pow"] = new BinaryGrad(BinaryOp.Pow),
        ["Relu"] = new ReluGrad(),
        ["LeakyRelu"] = new LeakyReluGrad(),
        ["Sigmoid"] = new SigmoidGrad(),
        ["Tanh"] = new TanhGrad(),
        ["Exp"] = new ExpGrad(),
        ["Log"] = new LogGrad(),
        ["Sqrt"] = new SqrtGrad(),
        ["Neg"] = new NegGrad(),
        ["Abs"] = new AbsGrad(),
        ["Clip"] = new ClipGrad(),
        ["HardSigmoid"] = new HardSigmoidGrad(),
        ["HardSwish"] = new HardSwishGrad(),
        ["MaxPool"] = new MaxPoolGrad(),
        ["AveragePool"] = new AveragePoolGrad(),
        ["GlobalAveragePool"] = new GlobalAveragePoolGrad(),
        ["BatchNormalization"] = new BatchNormGrad(),
        ["LayerNormalization"] = new LayerNormGrad(),
        ["Softmax"] = new SoftmaxGrad(logarithmic: false),
        ["LogSoftmax"] = new SoftmaxGrad(logarithmic: true),
        ["Dropout"] = new DropoutGrad(),
        ["Identity"] = new IndexMapGrad(allInputs: false),
        ["Reshape"] = new IndexMapGrad(allInputs: false),
        ["Flatten"] = new IndexMapGrad(allInputs: false),
        ["Squeeze"] = new IndexMapGrad(allInputs: false),
        ["Unsqueeze"] = new IndexMapGrad(allInputs: false),
        ["Transpose"] = new IndexMapGrad(allInputs: false),
        ["Slice"] = new IndexMapGrad(allInputs: false),
        ["Gather"] = new IndexMapGrad(allInputs: false),
        ["Split"] = new IndexMapGrad(allInputs: false),
        ["Resize"] = new IndexMapGrad(allInputs: false),
        ["Concat"] = new IndexMapGrad(allInputs: true),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static OpRule? Find(string opType) => Rules.GetValueOrDefault(opType);

    public static IEnumerable<string> SupportedOps => Rules.Keys.Order(StringComparer.Ordinal);
}
