using EdgePrune.Core.Ir;
using EdgePrune.Core.Memory;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Memory;

public class ArenaPlannerTests
{
    [Fact]
    public void Mlp_chain_matches_hand_computed_plan()
    {
        // x[N,784] -Gemm-> h[N,128] -Relu-> r[N,128] -Gemm-> y[N,10], N taken as 1; float = 4 bytes.
        var b = new GraphBuilder();
        string x = b.Input("x", DataType.Float, Dim.Named("N"), 784);
        string h = b.Op("Gemm", [x, b.Initializer("w1", Tensor.Zeros(DataType.Float, 784, 128)), b.Initializer("b1", Tensor.Zeros(DataType.Float, 128))]);
        string r = b.Op("Relu", [h]);
        string y = b.Op("Gemm", [r, b.Initializer("w2", Tensor.Zeros(DataType.Float, 128, 10))]);
        b.Output(y);

        var plan = ArenaPlanner.Plan(b.Build(), "mlp");

        // Placed largest first: x at 0; h lives with x at step 0, so after it; r (steps 1..2) only meets h,
        // so it fits below h at 0; y (step 2) meets r only and goes right after it.
        Assert.Equal(4, plan.Buffers.Count);
        Assert.Equal(new PlannedBuffer(x, 0, 3136, 0, 0), plan[x]);
        Assert.Equal(new PlannedBuffer(h, 3136, 512, 0, 1), plan[h]);
        Assert.Equal(new PlannedBuffer(r, 0, 512, 1, 2), plan[r]);
        Assert.Equal(new PlannedBuffer(y, 512, 40, 2, 2), plan[y]);
        Assert.Equal(3648, plan.PeakBytes);
        Assert.Empty(plan.FindOverlaps());
    }

    [Fact]
    public void Dequantized_weights_of_a_QDQ_model_are_not_planned_as_activations()
    {
        // x[1,100] -MatMul(DequantizeLinear(w int8[100,50]))-> y[1,50]: the dequantized weights (20,000 bytes)
        // are a constant the device keeps with the weights; the arena holds x (400) and y (200).
        var b = new GraphBuilder(opset: 13);
        string x = b.Input("x", DataType.Float, 1, 100);
        string w = b.Op("DequantizeLinear", [b.Initializer("w", Tensor.Zeros(DataType.Int8, 100, 50)), b.Initializer("scale", Tensor.Scalar(0.1f))]);
        string y = b.Op("MatMul", [x, w]);
        b.Output(y);

        var plan = ArenaPlanner.Plan(b.Build(), "qdq");

        Assert.Equal(new PlannedBuffer(x, 0, 400, 0, 1), plan[x]);
        Assert.Equal(new PlannedBuffer(y, 400, 200, 1, 1), plan[y]);
        Assert.Equal(2, plan.Buffers.Count);
        Assert.Equal(600, plan.PeakBytes);
    }

    [Fact]
    public void Residual_diamond_matches_hand_computed_plan()
    {
        // x -Gemm-> a -Relu-> b -Gemm-> c; d = Add(a, c). Every value is float[1,64] = 256 bytes.
        var g = new GraphBuilder();
        string x = g.Input("x", DataType.Float, 1, 64);
        string a = g.Op("Gemm", [x, g.Initializer("w1", Tensor.Zeros(DataType.Float, 64, 64))]);
        string b = g.Op("Relu", [a]);
        string c = g.Op("Gemm", [b, g.Initializer("w2", Tensor.Zeros(DataType.Float, 64, 64))]);
        string d = g.Op("Add", [a, c]);
        g.Output(d);

        var plan = ArenaPlanner.Plan(g.Build(), "diamond");

        // Equal sizes go by first step, then name: a (0..3), x (0..0), b (1..2), c (2..3), d (3..3).
        // a at 0; x beside a; b meets only a (x is dead by step 1) so it takes x's old place; c meets a and b;
        // d meets a and c but not b, so it reuses b's bytes.
        Assert.Equal(new PlannedBuffer(a, 0, 256, 0, 3), plan[a]);
        Assert.Equal(new PlannedBuffer(x, 256, 256, 0, 0), plan[x]);
        Assert.Equal(new PlannedBuffer(b, 256, 256, 1, 2), plan[b]);
        Assert.Equal(new PlannedBuffer(c, 512, 256, 2, 3), plan[c]);
        Assert.Equal(new PlannedBuffer(d, 256, 256, 3, 3), plan[d]);
        Assert.Equal(768, plan.PeakBytes);
    }

    [Fact]
    public void Offsets_are_rounded_up_to_16_bytes()
    {
        var plan = ArenaPlanner.Plan([new BufferRequest("a", 20, 0, 1), new BufferRequest("b", 20, 1, 2), new BufferRequest("c", 20, 2, 3)]);

        Assert.Equal(0, plan["a"].Offset);
        Assert.Equal(32, plan["b"].Offset);
        Assert.Equal(0, plan["c"].Offset);
        Assert.Equal(52, plan.PeakBytes);
    }

    [Fact]
    public void Initializers_get_no_buffer_and_empty_values_take_no_bytes()
    {
        var plan = ArenaPlanner.Plan([new BufferRequest("empty", 0, 0, 5), new BufferRequest("a", 64, 0, 5)]);
        Assert.Equal(0, plan["empty"].Offset);
        Assert.Equal(64, plan.PeakBytes);
        Assert.Empty(plan.FindOverlaps());

        var g = new GraphBuilder();
        string x = g.Input("x", DataType.Float, 1, 4);
        string y = g.Op("Add", [x, g.Initializer("bias", Tensor.Zeros(DataType.Float, 4))]);
        g.Output(y);
        Assert.Equal(new[] { x, y }.Order(StringComparer.Ordinal), ArenaPlanner.Plan(g.Build(), "add").Buffers.Select(buffer => buffer.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Overlap_checker_reports_buffers_sharing_bytes_while_both_live()
    {
        var plan = new ArenaPlan(
        [
            new PlannedBuffer("a", 0, 32, 0, 2),
            new PlannedBuffer("b", 16, 32, 2, 3),
            new PlannedBuffer("c", 0, 24, 3, 4),
            new PlannedBuffer("d", 32, 16, 0, 0),
        ], 48);

        var overlaps = plan.FindOverlaps();

        Assert.Equal([("a", "b"), ("b", "c")], overlaps.Select(o => (o.First.Name, o.Second.Name)));
    }

    [Fact]
    public void Describe_prints_one_line_per_buffer_by_offset()
    {
        var plan = ArenaPlanner.Plan([new BufferRequest("big", 100, 0, 1), new BufferRequest("small", 10, 1, 2)]);

        var lines = plan.Describe().TrimEnd().Split(Environment.NewLine);

        Assert.Equal("arena 122 bytes, 2 buffers", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.EndsWith("big", lines[1]);
        Assert.StartsWith("         0        100        100", lines[1]);
        Assert.StartsWith("       112        122         10", lines[2]);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_dags_get_plans_without_overlaps_within_the_live_set_bounds(int seed)
    {
        var random = new Random(seed);
        var graph = RandomDag(random);

        var plan = ArenaPlanner.Plan(graph, $"random-{seed}");

        Assert.Empty(plan.FindOverlaps());
        Assert.All(plan.Buffers, buffer => Assert.Equal(0, buffer.Offset % ArenaPlanner.Alignment));

        // Oracle: lifetimes and sizes recomputed here from the graph (every value is float[1, width]).
        var expected = ExpectedLifetimes(graph);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), plan.Buffers.Select(buffer => buffer.Name).Order(StringComparer.Ordinal));
        foreach (var buffer in plan.Buffers)
        {
            Assert.Equal(expected[buffer.Name], (buffer.SizeBytes, buffer.FirstStep, buffer.LastStep));
        }

        long largestLiveSet = Enumerable.Range(0, graph.Nodes.Length)
            .Max(step => expected.Values.Where(v => v.First <= step && step <= v.Last).Sum(v => v.Size));
        long sumOfAlignedSizes = expected.Values.Sum(v => (v.Size + 15) / 16 * 16);
        Assert.InRange(plan.PeakBytes, largestLiveSet, sumOfAlignedSizes);
    }

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int seed = 0; seed < 40; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    /// <summary>A random DAG of Gemm (changes width), Relu and Add (joins two values of equal width) over float[1, width] values.</summary>
    private static Graph RandomDag(Random random)
    {
        var b = new GraphBuilder();
        var values = new List<(string Name, int Width)>();
        for (int i = 0, inputs = random.Next(1, 3); i < inputs; i++)
        {
            int width = random.Next(1, 40);
            values.Add((b.Input($"x{i}", DataType.Float, 1, width), width));
        }

        int nodes = random.Next(3, 30);
        for (int i = 0; i < nodes; i++)
        {
            var (name, width) = values[random.Next(values.Count)];
            switch (random.Next(3))
            {
                case 0:
                    int newWidth = random.Next(1, 40);
                    var weights = TestTensors.Uniform(random, [width, newWidth]);
                    values.Add((b.Op("Gemm", [name, b.Initializer($"w{i}", weights)]), newWidth));
                    break;
                case 1:
                    values.Add((b.Op("Relu", [name]), width));
                    break;
                default:
                    var partners = values.Where(v => v.Width == width).ToList();
                    values.Add((b.Op("Add", [name, partners[random.Next(partners.Count)].Name]), width));
                    break;
            }
        }

        b.Output(values[^1].Name);
        foreach (var (name, _) in values.Take(values.Count - 1).Where(_ => random.Next(4) == 0))
        {
            b.Output(name);
        }

        return b.Build();
    }

    private static Dictionary<string, (long Size, int First, int Last)> ExpectedLifetimes(Graph graph)
    {
        int end = graph.Nodes.Length - 1;
        var result = graph.Inputs.ToDictionary(i => i.Name, i => (Size: 4L * i.Type.Shape![1].Value!.Value, First: 0, Last: 0));
        for (int step = 0; step < graph.Nodes.Length; step++)
        {
            var node = graph.Nodes[step];
            foreach (string input in node.Inputs.Where(result.ContainsKey))
            {
                result[input] = result[input] with { Last = step };
            }

            var width = node.OpType == "Gemm" ? graph.Initializers[node.Inputs[1]].Shape[1] : (int)result[node.Inputs[0]].Size / 4;
            result[node.Outputs[0]] = (4L * width, step, step);
        }

        foreach (var output in graph.Outputs)
        {
            result[output.Name] = result[output.Name] with { Last = end };
        }

        return result;
    }
}
