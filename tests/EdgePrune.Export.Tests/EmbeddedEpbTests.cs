using System.Globalization;
using System.Text.RegularExpressions;
using EdgePrune.Cli;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Data;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Trees;
using EdgePrune.Core.Onnx;
using EdgePrune.Export.C;
using EdgePrune.Export.Epb;
using EdgePrune.Export.Firmware;
using EdgePrune.Runtime;
using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;
using EdgePrune.TestSupport;
using EdgePrune.TestSupport.Firmware;
using Xunit.Abstractions;
using Tensor = EdgePrune.Core.Ir.Tensor;

namespace EdgePrune.Export.Tests;

/// <summary>
/// <c>export --format c --embed-epb</c>: the .epb interpreter (firmware-export/runtime/epb) compiled with the host gcc
/// against the .NET runtime running the same .epb (int8 bit for bit, fp32 within 1e-5) on 200 held-out digits, against
/// the .NET reader on mutated files under AddressSanitizer and UBSan, and cross-compiled for the Cortex-M4.
/// </summary>
public sealed partial class EmbeddedEpbTests(ITestOutputHelper log)
{
    public static TheoryData<string, string> Variants() => new()
    {
        { "lenet-300-100.onnx", "fp32-dense" },
        { "lenet-300-100.onnx", "fp32-sparse90" },
        { "lenet-300-100.onnx", "fp32-block4x4" },
        { "lenet-300-100.onnx", "int8-dense" },
        { "lenet-300-100.onnx", "int8-sparse90" },
        { "lenet-300-100.onnx", "int8-sparse98" },
        { "lenet-300-100.onnx", "int8-1of4" },
        { "lenet-300-100.onnx", "int8-block4x4" },
        { "lenet-300-100.onnx", "int4-dense" },
        { "lenet5.onnx", "fp32-dense" },
        { "lenet5.onnx", "fp32-sparse90" },
        { "lenet5.onnx", "int8-dense" },
        { "lenet5.onnx", "int8-sparse90" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Host_gcc_interpreter_matches_the_dotnet_runtime_on_the_LeNets(string modelFile, string variant)
    {
        var (graph, options) = LeNetVariants.Build(modelFile, variant);
        var epb = EpbWriter.Write(graph, options);
        var export = EmbeddedEpbExporter.FromEpb(epb, new CExportOptions { Prefix = "lenet" });
        var runtime = EpbModel.Load(epb.Bytes);
        var digits = LeNetVariants.Digits(LeNetVariants.Source(modelFile));
        var host = new HostBuild(export);
        int outputs = runtime.Outputs[0].ElementCount;
        log.WriteLine($"{modelFile} {variant}: .epb {epb.Bytes.Length} B ({string.Join(", ", export.Report.Layers.Select(l => $"{l.Tensor} {l.Encoding}"))}), arena {export.Report.ArenaBytes} B, work {export.Report.EmbeddedEpb!.WorkBytes} B");

        if (variant.StartsWith("fp32", StringComparison.Ordinal))
        {
            var c = host.Run(digits, outputs);
            var expected = new float[outputs];
            for (int i = 0; i < digits.Length; i++)
            {
                runtime.Run(digits[i], expected);
                Agreement.AssertClose(Tensor.FromArray(expected, outputs), Tensor.FromArray(c[i], outputs), atol: 1e-5f, rtol: 1e-5f, what: $"digit {i} vs the .NET runtime");
            }

            return;
        }

        var input = runtime.Inputs[0];
        var codes = digits.Select(d => d.Select(v => Quantization.QuantizeOne(v, input.Scale, input.ZeroPoint)).ToArray()).ToArray();
        var cOutputs = host.Run(codes, outputs);
        var dotnet = new sbyte[outputs];
        for (int i = 0; i < codes.Length; i++)
        {
            runtime.Run(codes[i], dotnet);
            Assert.True(dotnet.SequenceEqual(cOutputs[i]), $"digit {i}: .NET runtime [{string.Join(", ", dotnet)}] vs C [{string.Join(", ", cOutputs[i])}]");
        }
    }

    /// <summary>
    /// fp32: Add of a broadcast row, Mul by a per-channel constant, Sub and Div of activations on [1, 2, 3, 4], then a
    /// Concat with a constant and the input and a Transpose; int8: Add,
    /// Mul and Sub of activations, each with its own scale and zero point (given to the writer directly: the Quantizer
    /// has no int8 Mul). 50 random inputs against the .NET runtime, int8 bit for bit, fp32 within 1e-6.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Broadcast_arithmetic_and_layout_match_the_dotnet_runtime(bool int8)
    {
        var random = new Random(21);
        byte[] bytes = ArithmeticEpb(random, int8);
        var inputs = Enumerable.Range(0, 50).Select(_ => TestTensors.Uniform(random, [24]).ToFloatArray()).ToArray();

        var runtime = EpbModel.Load(bytes);
        var export = EmbeddedEpbExporter.FromEpb(new EpbExport(bytes, new EpbReport(bytes.Length, [], [], runtime.ArenaBytes, 0)), new CExportOptions { Prefix = "arith" });
        var host = new HostBuild(export);
        int outputs = runtime.Outputs[0].ElementCount;
        if (runtime.Inputs[0].DataType == EpbDataType.Int8)
        {
            var input = runtime.Inputs[0];
            var codes = inputs.Select(v => v.Select(f => Quantization.QuantizeOne(f, input.Scale, input.ZeroPoint)).ToArray()).ToArray();
            var c = host.Run(codes, outputs);
            var expected = new sbyte[outputs];
            for (int i = 0; i < codes.Length; i++)
            {
                runtime.Run(codes[i], expected);
                Assert.True(expected.SequenceEqual(c[i]), $"input {i}: .NET runtime [{string.Join(", ", expected)}] vs C [{string.Join(", ", c[i])}]");
            }

            return;
        }

        Assert.False(int8, "the quantized graph takes int8 input");
        var floats = host.Run(inputs, outputs);
        var reference = new float[outputs];
        for (int i = 0; i < inputs.Length; i++)
        {
            runtime.Run(inputs[i], reference);
            Agreement.AssertClose(Tensor.FromArray(reference, outputs), Tensor.FromArray(floats[i], outputs), atol: 1e-6f, rtol: 1e-6f, what: $"input {i} vs the .NET runtime");
        }
    }

    /// <summary>
    /// The committed int8 gesture CNN (1-D Conv, pooling, FullyConnected: samples/models/gesture-int8.epb) embedded as it
    /// is, on 100 seeded random int8 windows: the host build's codes are the .NET runtime's.
    /// </summary>
    [Fact]
    public void Committed_gesture_epb_runs_bit_identical_to_the_dotnet_runtime()
    {
        byte[] bytes = File.ReadAllBytes(RepositoryPaths.SampleModel("gesture-int8.epb"));
        var runtime = EpbModel.Load(bytes);
        var export = EmbeddedEpbExporter.FromEpb(new EpbExport(bytes, new EpbReport(bytes.Length, [], [], runtime.ArenaBytes, 0)), new CExportOptions { Prefix = "gesture" });
        var random = new Random(11);
        var windows = Enumerable.Range(0, 100).Select(_ => Enumerable.Range(0, runtime.Inputs[0].ElementCount).Select(_ => (sbyte)random.Next(-128, 128)).ToArray()).ToArray();

        var c = new HostBuild(export).Run(windows, runtime.Outputs[0].ElementCount);

        var expected = new sbyte[runtime.Outputs[0].ElementCount];
        for (int i = 0; i < windows.Length; i++)
        {
            runtime.Run(windows[i], expected);
            Assert.True(expected.SequenceEqual(c[i]), $"window {i}: .NET runtime [{string.Join(", ", expected)}] vs C [{string.Join(", ", c[i])}]");
        }
    }

    /// <summary>
    /// Mutations of valid files, all in one program built with -fsanitize=address,undefined (any out-of-bounds read,
    /// overflow or misaligned access aborts it); each blob sits in a heap block of exactly its size. The .NET reader is
    /// the oracle: a file it refuses must be refused by the C loader too; a file both accept is run once.
    /// </summary>
    [Fact]
    public void Mutated_blobs_are_refused_with_an_error_code_and_never_read_out_of_bounds()
    {
        var (mlpGraph, mlpOptions) = LeNetVariants.Build("lenet-300-100.onnx", "int8-sparse90");
        var (cnnGraph, cnnOptions) = LeNetVariants.Build("lenet5.onnx", "int8-sparse90");
        byte[][] seeds =
        [
            EpbWriter.Write(SmallMlp(new Random(3))).Bytes,
            SmallInt8Mlp(new Random(4)),
            ArithmeticEpb(new Random(6), int8: true),
            EpbWriter.Write(mlpGraph, mlpOptions).Bytes,
            EpbWriter.Write(cnnGraph, cnnOptions).Bytes,
        ];
        var random = new Random(2026);
        var cases = new List<byte[]>(seeds);
        for (int i = 0; i < 420; i++)
        {
            cases.Add(EpbMutations.Mutate(random, seeds[i % 3]));
        }

        // The LeNet files are 66 KB and 19 KB: a few dozen mutations of each reach the sparse-weight and Conv checks in little time.
        for (int i = 0; i < 80; i++)
        {
            cases.Add(EpbMutations.Mutate(random, seeds[3 + (i % 2)]));
        }

        string dir = CToolchain.NewDirectory("fuzz");
        string casesFile = Path.Combine(dir, "cases.bin");
        using (var writer = new BinaryWriter(File.Create(casesFile)))
        {
            foreach (var c in cases)
            {
                writer.Write((uint)c.Length);
                writer.Write(c);
            }
        }

        File.WriteAllText(Path.Combine(dir, "fuzz.c"), FuzzMain);
        string sanitize = "-fsanitize=address,undefined";
        string exe = CToolchain.BuildHost("gcc", dir, [Path.Combine(dir, "fuzz.c"), CToolchain.InterpreterSource], "-g", sanitize, "-fno-sanitize-recover=all");
        string[] lines = CToolchain.Run(exe, [casesFile]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cases.Count, lines.Length);

        int refused = 0, bothLoaded = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            int status = int.Parse(lines[i], CultureInfo.InvariantCulture);
            Assert.InRange(status, 0, 18);
            bool dotnetLoads = DotnetLoads(cases[i]);
            if (i < seeds.Length)
            {
                Assert.True(status == 0, $"valid seed {i}: ep_epb_load returned {status}");
                continue;
            }

            Assert.False(status == 0 && !dotnetLoads, $"case {i}: the .NET reader refuses this file but ep_epb_load accepted it");
            refused += status != 0 ? 1 : 0;
            bothLoaded += status == 0 ? 1 : 0;
        }

        log.WriteLine($"{cases.Count - seeds.Length} mutations: {refused} refused with an error code, {bothLoaded} loaded and ran (accepted by the .NET reader too)");
        Assert.True(refused > (cases.Count - seeds.Length) / 2, $"only {refused} mutations were refused");
    }

    /// <summary>
    /// The C side of the refusals: a tree ensemble's .epb gives EP_EPB_ERROR_UNSUPPORTED_OP with error_node 0 (its
    /// TreeEnsemble node); a work buffer or arena one byte short gives its own code; the exact sizes load and run.
    /// </summary>
    [Fact]
    public void Loader_names_the_unsupported_node_and_refuses_undersized_buffers()
    {
        var trees = RandomEnsembles.Create(new Random(5), TreeEnsembleKind.Classifier, features: 4, targets: 3, trees: 2, TreePostTransform.None);
        byte[] unsupported = EpbTreeWriter.Write(trees).Bytes;
        byte[] supported = SmallInt8Mlp(new Random(5));
        string dir = CToolchain.NewDirectory("epb-loader");
        File.WriteAllBytes(Path.Combine(dir, "unsupported.epb"), unsupported);
        File.WriteAllBytes(Path.Combine(dir, "supported.epb"), supported);
        File.WriteAllText(Path.Combine(dir, "probe.c"), ProbeMain);
        string exe = CToolchain.BuildHost("gcc", dir, [Path.Combine(dir, "probe.c"), CToolchain.InterpreterSource], "-fsanitize=address,undefined", "-fno-sanitize-recover=all");

        Assert.Equal($"load {(int)EpbStatus.UnsupportedOp} node 0", CToolchain.Run(exe, [Path.Combine(dir, "unsupported.epb")]).Trim());
        Assert.Equal(
            $"load {(int)EpbStatus.WorkTooSmall} node -1\nshort work {(int)EpbStatus.WorkTooSmall}\nexact work 0\nshort arena {(int)EpbStatus.ArenaTooSmall}\nexact arena 0",
            CToolchain.Run(exe, [Path.Combine(dir, "supported.epb")]).Trim());
    }

    [Fact]
    public void An_op_the_C_runtime_lacks_exits_2_naming_the_node_and_op()
    {
        var builder = new GraphBuilder(17, "hardswish");
        string x = builder.Input("x", DataType.Float, 1, 4);
        builder.Output(builder.Op("HardSwish", [x]));
        string dir = CToolchain.NewDirectory("embed-unsupported");
        string model = Path.Combine(dir, "hardswish.onnx");
        OnnxExporter.Save(new Model { Graph = builder.Build() }, model);
        var stderr = new StringWriter();

        int exit = CommandLine.Run(["export", model, "--format", "c", "--embed-epb", "-o", Path.Combine(dir, "out")], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains("HardSwish 'HardSwish_0': op HardSwish has no kernel in the EdgePrune C runtime", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public void A_tree_model_with_embed_epb_exits_2()
    {
        string dir = CToolchain.NewDirectory("embed-tree");
        string model = Path.Combine(dir, "forest.onnx");
        File.WriteAllBytes(model, TreeEnsembleExporter.ToBytes(RandomEnsembles.Create(new Random(8), TreeEnsembleKind.Classifier, features: 4, targets: 3, trees: 2, TreePostTransform.None)));
        var stderr = new StringWriter();

        int exit = CommandLine.Run(["export", model, "--format", "c", "--embed-epb", "-o", Path.Combine(dir, "out")], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains("--embed-epb runs networks; the .epb interpreter has no TreeEnsemble op", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public void Embed_epb_with_format_epb_exits_2()
    {
        string dir = CToolchain.NewDirectory("embed-epb-format");
        var stderr = new StringWriter();

        int exit = CommandLine.Run(["export", RepositoryPaths.SampleModel("lenet-300-100.onnx"), "--format", "epb", "--embed-epb", "-o", Path.Combine(dir, "m.epb")], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains("--embed-epb puts the .epb inside C source: use it with --format c", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "m.epb")));
    }

    [Fact]
    public void Cli_writes_the_embedded_export_with_the_call_sequence_contract_and_its_size_report()
    {
        string dir = CToolchain.NewDirectory("embed-cli");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int exit = CommandLine.Run(["export", RepositoryPaths.SampleModel("lenet-300-100.onnx"), "--format", "c", "--embed-epb", "-o", dir, "--prefix", "mlp", "--calib", RepositoryPaths.Mnist("train-images-idx3-ubyte.gz"), "--calib-samples", "100"], stdout, stderr);

        Assert.True(exit == 0, stderr.ToString());
        string header = File.ReadAllText(Path.Combine(dir, "mlp_model.h"));
        foreach (string line in new[] { "#define MLP_INPUT_SIZE 784", "#define MLP_OUTPUT_SIZE 10", "#define MLP_IS_INT8 1", "int mlp_init(void);", "int mlp_invoke(const int8_t *input, int8_t *output);" })
        {
            Assert.Contains(line, header, StringComparison.Ordinal);
        }

        Assert.Contains("__attribute__((aligned(16)))", File.ReadAllText(Path.Combine(dir, "mlp_model.c")), StringComparison.Ordinal);
        string report = File.ReadAllText(Path.Combine(dir, "mlp_size.md"));
        Assert.Contains("- flash, embedded .epb: ", report, StringComparison.Ordinal);
        Assert.Contains($"the .epb interpreter {EmbeddedEpbExporter.InterpreterCodeBytes} ", report, StringComparison.Ordinal);
        // fc1's 300 channels: 1,200 B of multipliers, 300 B of shifts rounded to 304, 1,200 B of folded biases, all in RAM.
        Assert.Contains("| 0 | Gemm_0 | fc1.weight | int8 | Dense | 235200 | 235200 | 2704 |", report, StringComparison.Ordinal);
        Assert.Contains("embedded .epb", stdout.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// arm-none-eabi-gcc with the qemu-mps2-an386 profile's flags compiles the interpreter clean; its code size, the
    /// kernels it references and the sizes of its work-buffer structs are the constants the size report uses.
    /// </summary>
    [Fact]
    public void Interpreter_cross_compiles_for_the_Cortex_M4_with_the_size_and_kernels_the_report_counts()
    {
        string dir = CToolchain.NewDirectory("epb-arm");
        string obj = Path.Combine(dir, "epb_interpreter.o");
        string[] flags = [.. CToolchain.Strict.Split(' '), .. TestSupport.Firmware.QemuMps2An386.Profile.CompilerFlags, "-ffunction-sections", "-fdata-sections", "-I", CToolchain.RuntimeInclude];
        CToolchain.Run("arm-none-eabi-gcc", [.. flags, "-c", CToolchain.InterpreterSource, "-o", obj]);
        string size = CToolchain.Run("arm-none-eabi-size", [obj]).Split('\n')[1];
        Assert.Equal(EmbeddedEpbExporter.InterpreterCodeBytes, int.Parse(size.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture));
        var undefined = CToolchain.Run("arm-none-eabi-nm", ["-u", obj]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Split(' ')[^1]).ToList();
        Assert.Equal(EmbeddedEpbExporter.Kernels.Order(StringComparer.Ordinal), undefined.Where(s => s.StartsWith("ep_", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        // The work-buffer structs' sizes on the target: a negative array size fails the compile when one differs from its constant.
        string probe = Path.Combine(dir, "probe.c");
        (string Type, int Bytes)[] sizes =
        [
            ("ep_epb_step", EmbeddedEpbExporter.StepBytesCortexM), ("ep_conv_params", EmbeddedEpbExporter.GeometryBytes), ("ep_epb_binary", EmbeddedEpbExporter.BinaryBytes),
            ("ep_epb_concat_input", EmbeddedEpbExporter.ConcatInputBytes), ("ep_epb_transpose", EmbeddedEpbExporter.TransposeBytes),
        ];
        File.WriteAllText(probe, "#include \"edgeprune/ep_epb.h\"\n" + string.Concat(sizes.Select(s => $"typedef char {s.Type}_bytes[sizeof({s.Type}) == {s.Bytes} ? 1 : -1];\nextern {s.Type}_bytes {s.Type}_probe;\n")));
        CToolchain.Run("arm-none-eabi-gcc", [.. flags, "-c", probe, "-o", Path.Combine(dir, "probe.o")]);
    }

    /// <summary>
    /// The classify firmware on qemu mps2-an386 (Cortex-M4F, the profile's flags) with the embedded export of the 90 %-sparse
    /// int8 LeNet-300-100: its predictions on 100 held-out digits are the .NET runtime's; the link map gives what the
    /// interpreter, the kernels and the soft-float double routines its load step calls cost in flash.
    /// </summary>
    [Fact]
    public void Embedded_export_runs_in_the_qemu_classify_firmware_with_the_dotnet_runtimes_predictions()
    {
        const int digits = 100;
        var (graph, options) = LeNetVariants.Build("lenet-300-100.onnx", "int8-sparse90");
        var epb = EpbWriter.Write(graph, options);
        var export = EmbeddedEpbExporter.FromEpb(epb, new CExportOptions { Prefix = "lenet" });
        var runtime = EpbModel.Load(epb.Bytes);
        var samples = LeNetVariants.Digits(LeNetVariants.Source("lenet-300-100.onnx")).Take(digits);
        var labels = DataFiles.Load(RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz")).Span<byte>()[..digits].ToArray();
        string root = CToolchain.NewDirectory("qemu-embedded");
        string modelDirectory = Path.Combine(root, "model");
        Directory.CreateDirectory(modelDirectory);
        File.WriteAllText(Path.Combine(modelDirectory, export.HeaderFileName), export.Header);
        File.WriteAllText(Path.Combine(modelDirectory, export.SourceFileName), export.Source);

        var (run, image, expected) = ClassifyFirmware.RunInt8(runtime, modelDirectory, "lenet", samples, labels, root, embedEpb: true);

        Assert.Equal(expected, run.Predictions());
        var map = MapFile.Load(image.Map);
        var objects = map.ByObject();
        long interpreter = objects.Where(o => o.Object.EndsWith("epb_interpreter.o", StringComparison.Ordinal)).Sum(o => o.Code + o.ReadOnlyData);
        long kernels = objects.Where(o => o.Object.Contains("/runtime/", StringComparison.Ordinal) && !o.Object.EndsWith("epb_interpreter.o", StringComparison.Ordinal)).Sum(o => o.Flash);
        long softDouble = objects.Where(o => SoftDoubleObject().IsMatch(o.Object)).Sum(o => o.Flash);
        long model = objects.Where(o => o.Object.Contains("/model/", StringComparison.Ordinal)).Sum(o => o.Flash);
        log.WriteLine($"{run.Value("correct")}/{digits} correct, predictions equal the .NET runtime's; instructions per inference {string.Join(", ", run.Values("instructions_per_inference"))}; "
            + $"flash: model {model} B (.epb {epb.Bytes.Length}), interpreter {interpreter}, linked kernels {kernels}, soft-float double {softDouble}; arena {run.Value("arena_bytes")} B, stack {run.Value("stack_bytes")} B");
        Assert.Equal(EmbeddedEpbExporter.InterpreterCodeBytes, interpreter);
        Assert.Equal(RuntimeCode.Bytes(EmbeddedEpbExporter.Kernels), kernels);
        Assert.InRange(softDouble, 1, 4096);
    }

    [GeneratedRegex(@"libgcc\.a\(_arm_(addsubdf3|muldivdf3|muldf3|cmpdf2|fixunsdfsi|fixdfsi)\.o\)")]
    private static partial Regex SoftDoubleObject();

    private static bool DotnetLoads(byte[] file)
    {
        try
        {
            EpbModel.Load(file);
            return true;
        }
        catch (EpbFormatException)
        {
            return false;
        }
    }

    /// <summary>12 → 8 (Relu) → 4 (Softmax), a third of the weights kept: small enough for hundreds of mutations.</summary>
    private static Graph SmallMlp(Random random)
    {
        var b = new GraphBuilder(13, "small-mlp");
        string x = b.Input("x", DataType.Float, 1, 12);
        string h = b.Op("Relu", [b.Op("Gemm", [x, b.Initializer("w1", Sparse(random, 8, 12)), b.Initializer("b1", TestTensors.Uniform(random, [8]))], Attrs(("transB", AttributeValue.Of(1L))))]);
        b.Output(b.Op("Softmax", [b.Op("Gemm", [h, b.Initializer("w2", Sparse(random, 4, 8)), b.Initializer("b2", TestTensors.Uniform(random, [4]))], Attrs(("transB", AttributeValue.Of(1L))))]));
        return b.Build();
    }

    /// <summary>The arithmetic graph of <see cref="Broadcast_arithmetic_and_layout_match_the_dotnet_runtime"/> as an .epb, fp32 or int8.</summary>
    private static byte[] ArithmeticEpb(Random random, bool int8)
    {
        var b = new GraphBuilder(13, "arithmetic");
        string x = b.Input("x", DataType.Float, 1, 2, 3, 4);
        string r = b.Op("Relu", [x]);
        var quantization = new EpbQuantization();
        if (int8)
        {
            string sum = b.Op("Add", [x, r]);
            string product = b.Op("Mul", [sum, r]);
            string difference = b.Op("Sub", [product, x]);
            b.Output(difference);
            (string Name, float Scale, int ZeroPoint)[] activations = [(x, 0.008f, 3), (r, 0.004f, -128), (sum, 0.012f, -60), (product, 0.02f, -100), (difference, 0.03f, 20)];
            foreach (var (name, scale, zeroPoint) in activations)
            {
                quantization.Activations[name] = QuantParams.PerTensor(scale, zeroPoint);
            }
        }
        else
        {
            string added = b.Op("Add", [x, b.Initializer("row", TestTensors.Uniform(random, [4]))]);
            string scaled = b.Op("Mul", [added, b.Initializer("channel", TestTensors.Uniform(random, [2, 1, 1]))]);
            string quotient = b.Op("Div", [b.Op("Sub", [scaled, x]), b.Op("Add", [r, b.Initializer("one", Tensor.FromArray([1f], 1))])]);
            string joined = b.Op("Concat", [quotient, b.Initializer("extra", TestTensors.Uniform(random, [1, 1, 3, 4])), x], Attrs(("axis", AttributeValue.Of(1L))));
            b.Output(b.Op("Transpose", [joined], Attrs(("perm", AttributeValue.Of(0L, 3L, 1L, 2L)))));
        }

        return EpbWriter.Write(b.Build(), new EpbWriteOptions { Quantization = int8 ? quantization : null }).Bytes;
    }

    /// <summary>The small MLP quantized by the Quantizer (int8 FullyConnected with per-channel weights, Quantize/Dequantize around them).</summary>
    private static byte[] SmallInt8Mlp(Random random)
    {
        var graph = SmallMlp(random);
        var calibration = CalibrationData.ForInput(graph, TestTensors.Uniform(random, [32, 12]), "uniform");
        var quantized = Quantizer.Quantize(graph, calibration, new QuantizationOptions());
        return EpbWriter.Write(quantized.Graph, new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized, allowInt4: false) }).Bytes;
    }

    private static Tensor Sparse(Random random, int rows, int cols) =>
        Tensor.FromArray(Enumerable.Range(0, rows * cols).Select(i => i % 3 == 0 ? (float)((random.NextDouble() * 2) - 1) : 0f).ToArray(), rows, cols);

    private static Dictionary<string, AttributeValue> Attrs(params (string Name, AttributeValue Value)[] attributes) => attributes.ToDictionary(a => a.Name, a => a.Value);

    /// <summary>ep_epb_status values the tests expect (ep_epb.h).</summary>
    private enum EpbStatus
    {
        UnsupportedOp = 14,
        WorkTooSmall = 16,
        ArenaTooSmall = 17,
    }

    /// <summary>Loads the blob named on the command line with no work buffer, then one byte short and exact; runs it with an arena one byte short and exact.</summary>
    private const string ProbeMain = """
        #include <stdio.h>
        #include <stdlib.h>
        #include "edgeprune/ep_epb.h"

        int main(int argc, char **argv)
        {
            static uint8_t blob[1 << 16];
            ep_epb_model m;
            ep_epb_status status;
            size_t size, work_bytes;
            void *work, *input, *output;
            uint8_t *arena;
            FILE *in;
            if (argc != 2 || (in = fopen(argv[1], "rb")) == NULL) {
                return 1;
            }
            size = fread(blob, 1, sizeof blob, in);
            fclose(in);
            status = ep_epb_load(&m, blob, size, NULL, 0);
            printf("load %d node %d\n", (int)status, (int)m.error_node);
            if (status != EP_EPB_ERROR_WORK_TOO_SMALL) {
                return 0;
            }
            work_bytes = m.work_bytes;
            work = malloc(work_bytes);
            printf("short work %d\n", (int)ep_epb_load(&m, blob, size, work, work_bytes - 1));
            printf("exact work %d\n", (int)ep_epb_load(&m, blob, size, work, work_bytes));
            arena = malloc(m.arena_bytes);
            input = calloc((size_t)m.input.bytes, 1);
            output = malloc((size_t)m.output.bytes);
            printf("short arena %d\n", (int)ep_epb_invoke(&m, input, output, arena, m.arena_bytes - 1));
            printf("exact arena %d\n", (int)ep_epb_invoke(&m, input, output, arena, m.arena_bytes));
            free(work);
            free(arena);
            free(input);
            free(output);
            return 0;
        }
        """;

    /// <summary>Reads (u32 length, bytes) cases; per case prints ep_epb_load's status, and runs a model that loads.</summary>
    private const string FuzzMain = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include "edgeprune/ep_epb.h"

        int main(int argc, char **argv)
        {
            FILE *in;
            unsigned char length_bytes[4];
            if (argc != 2 || (in = fopen(argv[1], "rb")) == NULL) {
                return 1;
            }
            while (fread(length_bytes, 4, 1, in) == 1) {
                size_t length = (size_t)length_bytes[0] | ((size_t)length_bytes[1] << 8) | ((size_t)length_bytes[2] << 16) | ((size_t)length_bytes[3] << 24);
                uint8_t *blob = malloc(length > 0 ? length : 1);
                ep_epb_model model;
                ep_epb_status status;
                void *work;
                if (blob == NULL || fread(blob, 1, length, in) != length) {
                    return 2;
                }
                status = ep_epb_load(&model, blob, length, NULL, 0);
                if (status == EP_EPB_ERROR_WORK_TOO_SMALL) {
                    work = malloc(model.work_bytes > 0 ? model.work_bytes : 1);
                    status = ep_epb_load(&model, blob, length, work, model.work_bytes);
                    if (status == EP_EPB_OK) {
                        uint8_t *arena = malloc(model.arena_bytes > 0 ? model.arena_bytes : 1);
                        void *input = calloc((size_t)model.input.bytes, 1);
                        void *output = malloc((size_t)model.output.bytes);
                        if (ep_epb_invoke(&model, input, output, arena, model.arena_bytes) != EP_EPB_OK) {
                            return 3;
                        }
                        free(arena);
                        free(input);
                        free(output);
                    }
                    free(work);
                }
                printf("%d\n", (int)status);
                free(blob);
            }
            fclose(in);
            return 0;
        }
        """;
}
