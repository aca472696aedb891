using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Training.Autograd;

/// <summary>
/// What one node sees while the graph trains: its input and output values, the gradient buffers of its inputs
/// (null for inputs no gradient flows to; rules add into them), the gradients of its outputs, and a state slot
/// a rule fills in the forward pass with what its backward pass needs.
/// </summary>
internal sealed class NodeRun
{
    public NodeRun(Node node, int opset, Value?[] inputs, Value[] outputs, Value?[] inputGradients, Value[] outputGradients, Random random, Scratch scratch)
    {
        Node = node;
        Opset = opset;
        Inputs = inputs;
        Outputs = outputs;
        InputGradients = inputGradients;
        OutputGradients = outputGradients;
        Random = random;
        Scratch = scratch;
    }

    public Node Node { get; }

    public int Opset { get; }

    public Value?[] Inputs { get; }

    public Value[] Outputs { get; }

    public Value?[] InputGradients { get; }

    public Value[] OutputGradients { get; }

    /// <summary>True in a training step (batch statistics, dropout); false when evaluating.</summary>
    public bool Training { get; set; }

    public Random Random { get; }

    /// <summary>The engine's shared scratch buffers, valid until the rule call returns.</summary>
    public Scratch Scratch { get; }

    /// <summary>Per-node scratch a rule keeps between its forward and backward pass.</summary>
    public object? State { get; set; }

    public Value Input(int index) => Inputs[index] ?? throw new EdgePruneException($"{Node.Describe()}: input {index} is required");

    public Value? OptionalInput(int index) => index < Inputs.Length ? Inputs[index] : null;

    /// <summary>The float data of input <paramref name="index"/>; names the node when the input is not float.</summary>
    public Value FloatInput(int index)
    {
        var value = Input(index);
        return value.IsFloat
            ? value
            : throw new EdgePruneException($"{Node.Describe()}: input {index} ('{Node.Inputs[index]}') is {value.NonFloat!.DataType.OnnxName()}; training supports float data only");
    }

    public Value? Gradient(int index) => index < InputGradients.Length ? InputGradients[index] : null;

    public T StateAs<T>() where T : class, new()
    {
        if (State is not T state)
        {
            state = new T();
            State = state;
        }

        return state;
    }
}
