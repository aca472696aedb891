using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>What an int8 step computes; decides its kernel and where its output parameters come from.</summary>
public enum StepKind
{
    /// <summary>Conv (any groups): int32 accumulation, per-channel requantization.</summary>
    Conv,

    /// <summary>Gemm or MatMul with constant weights: int32 accumulation, per-channel requantization.</summary>
    FullyConnected,

    /// <summary>Elementwise Add of two int8 tensors, each rescaled to a common scale (TFLite's left shift 20).</summary>
    Add,

    /// <summary>MaxPool on the integers; output keeps the input's parameters.</summary>
    MaxPool,

    /// <summary>AveragePool or GlobalAveragePool: int32 window sum, requantized by s_in / (count · s_out).</summary>
    AveragePool,

    /// <summary>Concat: every input requantized to the output's parameters.</summary>
    Concat,

    /// <summary>Softmax by an exp lookup table and integer normalisation; output scale 1/256, zero point −128.</summary>
    Softmax,

    /// <summary>Sigmoid by a 256-entry table; output scale 1/256, zero point −128.</summary>
    Sigmoid,

    /// <summary>A Relu or Clip that could not be fused: a clamp on the integers, parameters unchanged.</summary>
    Clamp,

    /// <summary>Reshape, Flatten, Transpose: data movement, parameters unchanged.</summary>
    Move,
}

/// <summary>
/// One node of the quantized graph, with the Relu/Clip it absorbed. <see cref="Output"/> is the value the
/// step produces: the fused activation's output when there is one, else the node's own output.
/// </summary>
public sealed record QuantizedStep
{
    public required Node Node { get; init; }
    public required StepKind Kind { get; init; }

    /// <summary>The Relu or Clip folded into this step's output range, or null.</summary>
    public Node? FusedActivation { get; init; }

    /// <summary>Real bounds of the fused activation (Relu: [0, +∞)); infinite when none.</summary>
    public float ActivationMin { get; init; } = float.NegativeInfinity;
    public float ActivationMax { get; init; } = float.PositiveInfinity;

    /// <summary>Int8 (non-constant) inputs, in the node's order.</summary>
    public required string[] Inputs { get; init; }
    public required string Output { get; init; }

    /// <summary>Quantized weights of Conv and fully connected steps.</summary>
    public QuantizedWeights? Weights { get; init; }

    /// <summary>Bias as int32 at scale s_in · s_w[c], zero point 0; null when the node has none.</summary>
    public int[]? Bias { get; init; }

    /// <summary>True when the step's output range comes from calibration (not inherited or fixed).</summary>
    public bool CalibratesOutput => Kind is StepKind.Conv or StepKind.FullyConnected or StepKind.Add or StepKind.AveragePool or StepKind.Concat;

    public string Describe() => FusedActivation is null ? Node.Describe() : $"{Node.Describe()} + {FusedActivation.OpType}";
}
