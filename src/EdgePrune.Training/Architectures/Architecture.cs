using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Training.Architectures;

/// <summary>
/// The built-in models <c>edgeprune train --arch</c> starts from, built in C# as ordinary IR graphs (opset 13, input
/// "input" with a symbolic batch, output "logits"). Weights are He-uniform (U(±√(6/fan_in)), suited to ReLU) from a
/// seeded generator, biases zero, so the same seed gives the same starting point.
/// </summary>
public static class Architecture
{
    public const string InputName = "input";
    public const string OutputName = "logits";

    public static IReadOnlyList<string> Names { get; } = ["lenet-300-100", "lenet5", "conv1d-small"];

    /// <summary>Builds <paramref name="name"/> for samples of <paramref name="sampleShape"/> and <paramref name="classes"/> classes.</summary>
    public static Graph Build(string name, int[] sampleShape, int classes, int seed) => name switch
    {
        "lenet-300-100" => Lenet300100(sampleShape.Aggregate(1, (p, d) => p * d), classes, seed),
        "lenet5" => Lenet5(classes, seed, CheckImage(sampleShape)),
        "conv1d-small" => Conv1dSmall(sampleShape.Length == 2 ? sampleShape[0] : throw new EdgePruneException($"conv1d-small takes samples shaped [C, T]; the data's samples are {Tensor.FormatShape(sampleShape)}"), sampleShape[1], classes, seed),
        _ => throw new EdgePruneException($"unknown architecture '{name}'; choose one of {string.Join(", ", Names)}"),
    };

    /// <summary>LeNet-300-100 (LeCun et al. 1998): inputs → 300 → 100 → classes, ReLU between. <paramref name="width"/> scales the hidden layers.</summary>
    public static Graph Lenet300100(int inputs = 784, int classes = 10, int seed = 0, float width = 1f)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(opset: 13, name: "lenet-300-100");
        string x = b.Input(InputName, DataType.Float, Dim.Named("N"), inputs);
        int h1 = Math.Max(1, (int)Math.Round(300 * width)), h2 = Math.Max(1, (int)Math.Round(100 * width));
        x = b.Op("Relu", [Dense(b, random, x, inputs, h1, "fc1")]);
        x = b.Op("Relu", [Dense(b, random, x, h1, h2, "fc2")]);
        Finish(b, Dense(b, random, x, h2, classes, "fc3"), classes);
        return NameOutput(b.Build());
    }

    /// <summary>LeNet-5 for [N, 1, 28, 28]: conv 6@5×5 (pad 2), max-pool, conv 16@5×5, max-pool, 400 → 120 → 84 → classes.</summary>
    public static Graph Lenet5(int classes = 10, int seed = 0, int imageSize = 28)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(opset: 13, name: "lenet5");
        string x = b.Input(InputName, DataType.Float, Dim.Named("N"), 1, imageSize, imageSize);
        x = Pool(b, b.Op("Relu", [Convolution(b, random, x, 1, 6, 5, 2, "conv1")]));
        x = Pool(b, b.Op("Relu", [Convolution(b, random, x, 6, 16, 5, 0, "conv2")]));
        int side = (imageSize / 2 - 4) / 2;
        x = b.Op("Flatten", [x], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Of(1L) });
        x = b.Op("Relu", [Dense(b, random, x, 16 * side * side, 120, "fc1")]);
        x = b.Op("Relu", [Dense(b, random, x, 120, 84, "fc2")]);
        Finish(b, Dense(b, random, x, 84, classes, "fc3"), classes);
        return NameOutput(b.Build());
    }

    /// <summary>A small 1-D CNN for sensor windows [N, C, T]: conv 16@5, max-pool 2, conv 32@5, global average, classes.</summary>
    public static Graph Conv1dSmall(int channels, int length, int classes, int seed = 0)
    {
        if (length < 2)
        {
            throw new EdgePruneException($"conv1d-small needs windows of at least 2 steps, got {length}");
        }

        var random = new Random(seed);
        var b = new GraphBuilder(opset: 13, name: "conv1d-small");
        string x = b.Input(InputName, DataType.Float, Dim.Named("N"), channels, length);
        x = b.Op("Relu", [Convolution(b, random, x, channels, 16, 5, 2, "conv1", oneD: true)]);
        x = b.Op("MaxPool", [x], new Dictionary<string, AttributeValue> { ["kernel_shape"] = AttributeValue.Of([2L]), ["strides"] = AttributeValue.Of([2L]) });
        x = b.Op("Relu", [Convolution(b, random, x, 16, 32, 5, 2, "conv2", oneD: true)]);
        x = b.Op("GlobalAveragePool", [x]);
        x = b.Op("Flatten", [x], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Of(1L) });
        Finish(b, Dense(b, random, x, 32, classes, "fc"), classes);
        return NameOutput(b.Build());
    }

    private static int CheckImage(int[] sampleShape)
    {
        int side = sampleShape.Length switch
        {
            2 when sampleShape[0] == sampleShape[1] => sampleShape[0],
            3 when sampleShape[0] == 1 && sampleShape[1] == sampleShape[2] => sampleShape[1],
            _ => -1,
        };
        return side >= 12 && side % 4 == 0
            ? side
            : throw new EdgePruneException($"lenet5 takes square one-channel images [H, W] or [1, H, W] with H a multiple of 4 and at least 12; the data's samples are {Tensor.FormatShape(sampleShape)}");
    }

    private static void Finish(GraphBuilder b, string logits, int classes)
    {
        b.Output(logits, new TensorType(DataType.Float, [Dim.Named("N"), classes]));
    }

    /// <summary>Names the graph's single output <see cref="OutputName"/> (the builder generates value names).</summary>
    private static Graph NameOutput(Graph graph)
    {
        string from = graph.Outputs[0].Name;
        return graph with
        {
            Nodes = [.. graph.Nodes.Select(n => n with { Outputs = [.. n.Outputs.Select(o => o == from ? OutputName : o)] })],
            Outputs = [graph.Outputs[0] with { Name = OutputName }],
        };
    }

    private static string Dense(GraphBuilder b, Random random, string x, int inputs, int outputs, string name)
    {
        string w = b.Initializer($"{name}.weight", HeUniform(random, inputs, outputs, inputs));
        string bias = b.Initializer($"{name}.bias", Tensor.Zeros(DataType.Float, outputs));
        return b.Op("Gemm", [x, w, bias], new Dictionary<string, AttributeValue> { ["transB"] = AttributeValue.Of(1L) });
    }

    private static string Convolution(GraphBuilder b, Random random, string x, int inputs, int outputs, int kernel, int pad, string name, bool oneD = false)
    {
        int[] shape = oneD ? [outputs, inputs, kernel] : [outputs, inputs, kernel, kernel];
        int fanIn = inputs * kernel * (oneD ? 1 : kernel);
        string w = b.Initializer($"{name}.weight", HeUniform(random, fanIn, shape));
        string bias = b.Initializer($"{name}.bias", Tensor.Zeros(DataType.Float, outputs));
        var attributes = new Dictionary<string, AttributeValue>
        {
            ["kernel_shape"] = oneD ? AttributeValue.Of([(long)kernel]) : AttributeValue.Of(kernel, (long)kernel),
            ["pads"] = oneD ? AttributeValue.Of(pad, (long)pad) : AttributeValue.Of(pad, pad, pad, (long)pad),
        };
        return b.Op("Conv", [x, w, bias], attributes);
    }

    private static string Pool(GraphBuilder b, string x) => b.Op("MaxPool", [x], new Dictionary<string, AttributeValue>
    {
        ["kernel_shape"] = AttributeValue.Of(2L, 2L),
        ["strides"] = AttributeValue.Of(2L, 2L),
    });

    private static Tensor HeUniform(Random random, int fanIn, params int[] shape)
    {
        float bound = MathF.Sqrt(6f / fanIn);
        var data = new float[shape.Aggregate(1, (p, d) => p * d)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (random.NextSingle() * 2 - 1) * bound;
        }

        return Tensor.FromArray(data, shape);
    }
}
