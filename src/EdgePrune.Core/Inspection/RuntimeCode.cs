using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Inspection;

/// <summary>One function of the C runtime as compiled for the table of <see cref="RuntimeCode"/>.</summary>
/// <param name="Name">The C symbol; static helpers are private to <paramref name="File"/> (two files may both have a <c>run</c>).</param>
/// <param name="File">Source file under <c>firmware-export/runtime/src/</c>.</param>
/// <param name="Bytes">Code bytes of the function's own section (<c>nm -S</c>).</param>
/// <param name="Calls">Functions it calls: static helpers of the same file (counted with it) and C library functions (not counted).</param>
public sealed record RuntimeFunction(string Name, string File, int Bytes, bool IsStatic, IReadOnlyList<string> Calls);

/// <summary>
/// Flash the C runtime's code takes for a model: the kernels its generated call sequence names, plus the static helpers
/// those kernels call, each counted once (what <c>--gc-sections</c> keeps of the runtime when the firmware links).
/// Not counted: the generated <c>NAME_invoke</c> (one call per op, about 150 B for LeNet-300-100), and the C library
/// functions the kernels call (<c>memcpy</c>, <c>memset</c>, <c>memmove</c>; fp32 kernels also <c>expf</c>,
/// <c>tanhf</c>, <c>rintf</c>), which an application usually links anyway.
/// </summary>
public static class RuntimeCode
{
    /// <summary>How <see cref="Functions"/> was measured; <c>RuntimeCodeTableTests</c> recompiles the runtime this way and compares.</summary>
    public const string MeasuredWith =
        "arm-none-eabi-gcc 12.2.1 -std=c99 -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections -fdata-sections, "
        + "each firmware-export/runtime/src/*.c alone; sizes from arm-none-eabi-nm -S, calls from the relocations of each function's section";

    /// <summary>
    /// Every function of the runtime, Cortex-M4 Thumb-2 at -Os (the qemu-mps2-an386 profile's flags; on other cores the
    /// figures are an estimate: AVR code, for one, is larger). None has data or bss. Sizes in bytes.
    /// </summary>
    public static IReadOnlyList<RuntimeFunction> Functions { get; } =
    [
        Kernel("activations_f32.c", "ep_relu_f32", 44),
        Kernel("activations_f32.c", "ep_clip_f32", 52),
        Kernel("activations_f32.c", "ep_sigmoid_f32", 58, "expf"),
        Kernel("activations_f32.c", "ep_tanh_f32", 34, "tanhf"),
        Kernel("activations_f32.c", "ep_leaky_relu_f32", 36),
        Kernel("activations_f32.c", "ep_softmax_f32", 208, "expf"),
        Kernel("activations_s8.c", "ep_clamp_s8", 42),
        Kernel("binary_f32.c", "ep_add_f32", 22, "run"),
        Kernel("binary_f32.c", "ep_sub_f32", 22, "run"),
        Kernel("binary_f32.c", "ep_mul_f32", 22, "run"),
        Kernel("binary_f32.c", "ep_div_f32", 22, "run"),
        Helper("binary_f32.c", "run", 214, "memset"),
        Kernel("binary_s8.c", "ep_add_s8", 24, "run"),
        Kernel("binary_s8.c", "ep_sub_s8", 24, "run"),
        Kernel("binary_s8.c", "ep_mul_s8", 24, "run"),
        Helper("binary_s8.c", "run", 304, "ep_rounding_divide_by_pot", "ep_saturating_rounding_doubling_high_mul", "memset"),
        Helper("binary_s8.c", "ep_rounding_divide_by_pot", 28),
        Helper("binary_s8.c", "ep_saturating_rounding_doubling_high_mul", 72),
        Kernel("conv_f32.c", "ep_conv_f32", 1584),
        Kernel("conv_s8.c", "ep_conv_s8", 1736),
        Kernel("fully_connected_f32.c", "ep_fully_connected_f32", 124, "finish"),
        Kernel("fully_connected_f32.c", "ep_fully_connected_f32_bitmask", 176, "finish"),
        Kernel("fully_connected_f32.c", "ep_fully_connected_f32_csr8", 148, "finish"),
        Kernel("fully_connected_f32.c", "ep_fully_connected_f32_csr16", 148, "finish"),
        Kernel("fully_connected_f32.c", "ep_fully_connected_f32_block", 212, "finish"),
        Kernel("fully_connected_f32.c", "ep_fully_connected_f32_nofm", 216, "finish"),
        Helper("fully_connected_f32.c", "finish", 64),
        Kernel("fully_connected_s8.c", "ep_fully_connected_s8", 304, "dot4_s8", "ep_requantize"),
        Kernel("fully_connected_s8.c", "ep_fully_connected_s8_int4", 134, "ep_requantize"),
        Kernel("fully_connected_s8.c", "ep_fully_connected_s8_bitmask", 462, "ep_requantize"),
        Kernel("fully_connected_s8.c", "ep_fully_connected_s8_csr8", 146, "ep_requantize"),
        Kernel("fully_connected_s8.c", "ep_fully_connected_s8_csr16", 146, "ep_requantize"),
        Kernel("fully_connected_s8.c", "ep_fully_connected_s8_block", 460, "ep_requantize"),
        Kernel("fully_connected_s8.c", "ep_fully_connected_s8_nofm", 214, "ep_requantize"),
        Helper("fully_connected_s8.c", "dot4_s8", 216),
        Helper("fully_connected_s8.c", "ep_requantize", 144),
        Kernel("layout.c", "ep_copy", 20, "memmove"),
        Kernel("layout.c", "ep_concat", 48, "memcpy"),
        Kernel("layout.c", "ep_transpose", 148, "memcpy", "memset"),
        Kernel("pooling.c", "ep_max_pool_f32", 212, "bounds"),
        Kernel("pooling.c", "ep_max_pool_s8", 142, "bounds"),
        Kernel("pooling.c", "ep_average_pool_f32", 180, "bounds"),
        Kernel("pooling.c", "ep_average_pool_s8", 144, "bounds", "rounded_average"),
        Kernel("pooling.c", "ep_global_average_pool_f32", 68),
        Kernel("pooling.c", "ep_global_average_pool_s8", 60, "rounded_average"),
        Helper("pooling.c", "bounds", 132),
        Helper("pooling.c", "rounded_average", 44),
        Kernel("quantization.c", "ep_quantize_f32_s8", 148, "rintf"),
        Kernel("quantization.c", "ep_dequantize_s8_f32", 36),
    ];

    private static readonly Dictionary<string, RuntimeFunction> Kernels =
        Functions.Where(f => !f.IsStatic).ToDictionary(f => f.Name, StringComparer.Ordinal);

    private static readonly Dictionary<(string File, string Name), RuntimeFunction> ByFile =
        Functions.ToDictionary(f => (f.File, f.Name));

    /// <summary>Code bytes of <paramref name="kernels"/> (public <c>ep_*</c> names) and the static helpers they call, each once.</summary>
    /// <exception cref="ArgumentException">A name that is not a kernel of the runtime.</exception>
    public static long Bytes(IEnumerable<string> kernels)
    {
        var linked = new HashSet<RuntimeFunction>();
        var pending = new Stack<RuntimeFunction>();
        foreach (string name in kernels)
        {
            pending.Push(Kernels.TryGetValue(name, out var kernel) ? kernel : throw new ArgumentException($"'{name}' is not a kernel of the C runtime", nameof(kernels)));
        }

        while (pending.TryPop(out var function))
        {
            if (!linked.Add(function))
            {
                continue;
            }

            foreach (string call in function.Calls)
            {
                if (ByFile.TryGetValue((function.File, call), out var helper))
                {
                    pending.Push(helper);
                }
            }
        }

        return linked.Sum(f => (long)f.Bytes);
    }

    /// <summary>
    /// The kernels an ONNX graph's ops would call, for <c>inspect</c>, which sees the graph before the .epb writer lowers
    /// it: fp32 kernels, or int8 ones when the graph carries int8 initializers (QDQ). An upper bound on what the export
    /// calls, since the writer fuses a Relu or Clip into the layer before it, and a dense estimate for weighted layers
    /// (the writer's sparse encodings call other kernels of similar size). Ops the runtime has no kernel for add nothing.
    /// </summary>
    public static IReadOnlySet<string> KernelsOf(Graph graph)
    {
        bool int8 = graph.Initializers.Values.Any(t => t.DataType == DataType.Int8);
        string type = int8 ? "s8" : "f32";
        var kernels = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            string? kernel = node.OpType switch
            {
                "Gemm" or "MatMul" => $"ep_fully_connected_{type}",
                "Conv" => $"ep_conv_{type}",
                "MaxPool" => $"ep_max_pool_{type}",
                "AveragePool" => $"ep_average_pool_{type}",
                "GlobalAveragePool" => $"ep_global_average_pool_{type}",
                "Add" or "Sub" or "Mul" => $"ep_{node.OpType.ToLowerInvariant()}_{type}",
                "Div" => "ep_div_f32",
                "Relu" or "Clip" when int8 => "ep_clamp_s8",
                "Relu" => "ep_relu_f32",
                "Clip" => "ep_clip_f32",
                "Sigmoid" => "ep_sigmoid_f32",
                "Tanh" => "ep_tanh_f32",
                "LeakyRelu" => "ep_leaky_relu_f32",
                "Softmax" => "ep_softmax_f32",
                "Reshape" or "Flatten" or "Squeeze" or "Unsqueeze" => "ep_copy",
                "Concat" => "ep_concat",
                "Transpose" => "ep_transpose",
                "QuantizeLinear" => "ep_quantize_f32_s8",
                "DequantizeLinear" when !graph.Initializers.ContainsKey(node.Inputs[0]) => "ep_dequantize_s8_f32",
                _ => null,
            };
            if (kernel is not null)
            {
                kernels.Add(kernel);
            }
        }

        return kernels;
    }

    private static RuntimeFunction Kernel(string file, string name, int bytes, params string[] calls) => new(name, file, bytes, IsStatic: false, calls);

    private static RuntimeFunction Helper(string file, string name, int bytes, params string[] calls) => new(name, file, bytes, IsStatic: true, calls);
}
