using System.Runtime.InteropServices;
using EdgePrune.Runtime.Engine;
using EdgePrune.Runtime.Format;
using EdgePrune.Runtime.Kernels;

namespace EdgePrune.Runtime;

/// <summary>
/// A loaded <c>.epb</c> model, ready to run: the file is validated whole at load (format, CRCs, every op's shapes),
/// one arena of the planned size is allocated, and <see cref="Run(ReadOnlySpan{float}, Span{float})"/> then allocates
/// nothing. One instance runs one inference at a time (the arena is shared state); <see cref="RunBatch(ReadOnlyMemory{float}, Memory{float}, int)"/>
/// runs a batch on several threads, each with an arena of its own, or load one instance per thread.
/// </summary>
public sealed class EpbModel
{
    private readonly Step[] _steps;
    private readonly byte[] _arena;
    private readonly int[] _scratch;

    // Arenas and scratch of the extra threads of RunBatch, made on first use and kept: the steps hold only what was
    // prepared at load, so threads share them and differ only in these buffers.
    private readonly List<(byte[] Arena, int[] Scratch)> _batchWorkers = [];
    private readonly Action<byte[], int[], ReadOnlyMemory<float>, Memory<float>> _runFloat;
    private readonly Action<byte[], int[], ReadOnlyMemory<sbyte>, Memory<sbyte>> _runInt8;
    private readonly TensorRecord _input;
    private readonly TensorRecord _output;
    private readonly TreeEnsembleStep? _trees;

    private EpbModel(byte[] file)
    {
        var content = EpbReader.Read(file);
        _steps = FuseMaxPools(content.Nodes.Select(n => CreateStep(n, content.Tensors, content.Trees)).ToArray(), content);
        NodeCount = content.Nodes.Length;
        _trees = _steps.OfType<TreeEnsembleStep>().SingleOrDefault();
        _arena = new byte[content.ArenaBytes];
        _scratch = new int[_steps.Select(s => s.ScratchInts).DefaultIfEmpty(0).Max()];
        _runFloat = (arena, scratch, input, output) => RunOn(arena, scratch, input.Span, output.Span);
        _runInt8 = (arena, scratch, input, output) => RunOn(arena, scratch, input.Span, output.Span);
        Inputs = content.Inputs.Select(i => Describe(content.Tensors[i])).ToArray();
        Outputs = content.Outputs.Select(i => Describe(content.Tensors[i])).ToArray();
        _input = content.Tensors[content.Inputs[0]];
        _output = content.Tensors[content.Outputs[0]];
        foreach (var t in content.Inputs.Concat(content.Outputs).Select(i => content.Tensors[i]))
        {
            if (t.DataType == EpbDataType.Int8 && t.Quant is not { Kind: QuantKind.PerTensor })
            {
                throw new EpbFormatException($"metadata section: int8 model input/output {t} needs per-tensor quantization");
            }

            if (t.DataType == EpbDataType.Int32)
            {
                throw new EpbFormatException($"metadata section: model input/output {t} is int32; only float32 and int8 are supported");
            }
        }

        SourceSha256 = content.SourceSha256;
        Producer = content.Producer;
        Labels = content.Labels;
        FormatMinorVersion = content.MinorVersion;
    }

    public IReadOnlyList<EpbTensorInfo> Inputs { get; }

    public IReadOnlyList<EpbTensorInfo> Outputs { get; }

    /// <summary>SHA-256 of the source model file the writer was given (all zeros when it had none).</summary>
    public IReadOnlyList<byte> SourceSha256 { get; }

    public string Producer { get; }

    public IReadOnlyList<string> Labels { get; }

    public int FormatMinorVersion { get; }

    /// <summary>Bytes of the activation arena, allocated once at load.</summary>
    public int ArenaBytes => _arena.Length;

    public int NodeCount { get; }

    /// <summary>Steps a run executes: one per node, less the max pools convolutions took over.</summary>
    internal int StepCount => _steps.Length;

    /// <summary>Loads and validates a model from bytes (copied; the span may be reused afterwards).</summary>
    public static EpbModel Load(ReadOnlySpan<byte> bytes) => new(bytes.ToArray());

    /// <summary>Loads and validates a model file; I/O errors surface as the usual IOException.</summary>
    public static EpbModel Load(string path) => new(File.ReadAllBytes(path));

    /// <summary>
    /// Runs a one-input, one-output model on fp32 data. An int8 model quantizes the input and dequantizes the output with
    /// their recorded scale and zero point.
    /// </summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckSizes(input.Length, output.Length);
        RunOn(_arena, _scratch, input, output);
    }

    /// <summary>
    /// Runs a one-input, one-output model on a batch of samples laid end to end (each <see cref="Inputs"/>[0] values in,
    /// <see cref="Outputs"/>[0] out), on up to <paramref name="threads"/> threads, each with an arena of its own; outputs
    /// equal those of <see cref="Run(ReadOnlySpan{float}, Span{float})"/> sample by sample. One thread allocates nothing
    /// after the first call; more take the scheduling's few hundred bytes per call.
    /// </summary>
    public void RunBatch(ReadOnlyMemory<float> inputs, Memory<float> outputs, int threads = 1) =>
        RunBatch(inputs, outputs, threads, _runFloat);

    /// <summary>The int8 <see cref="RunBatch(ReadOnlyMemory{float}, Memory{float}, int)"/>: quantized codes in and out.</summary>
    public void RunBatch(ReadOnlyMemory<sbyte> inputs, Memory<sbyte> outputs, int threads = 1)
    {
        RequireInt8();
        RunBatch(inputs, outputs, threads, _runInt8);
    }

    /// <summary>
    /// Runs the model like <see cref="Run(ReadOnlySpan{float}, Span{float})"/> and returns the predicted class index
    /// (<see cref="Labels"/> names it when the file has labels). A tree classifier picks the first highest score among the
    /// classes that got a vote, as ONNX Runtime's label output does; a network or a tree regressor, the first highest score.
    /// </summary>
    public int Classify(ReadOnlySpan<float> input, Span<float> scores)
    {
        Run(input, scores);
        if (_trees is not null)
        {
            return _trees.LastClass;
        }

        int best = 0;
        for (int k = 1; k < scores.Length; k++)
        {
            if (scores[k] > scores[best])
            {
                best = k;
            }
        }

        return best;
    }

    /// <summary>Whether the model is a tree ensemble (a .epb trees section) rather than a network.</summary>
    public bool IsTreeEnsemble => _trees is not null;

    /// <summary>Runs a one-input, one-output int8 model on quantized codes (see <see cref="Inputs"/> for scale and zero point).</summary>
    public void Run(ReadOnlySpan<sbyte> input, Span<sbyte> output)
    {
        RequireInt8();
        CheckSizes(input.Length, output.Length);
        RunOn(_arena, _scratch, input, output);
    }

    private void RequireInt8()
    {
        if (_input.DataType != EpbDataType.Int8 || _output.DataType != EpbDataType.Int8)
        {
            throw new InvalidOperationException($"the model's input is {_input.DataType} and output {_output.DataType}; the int8 Run needs an int8 model");
        }
    }

    private void RunOn(byte[] arena, int[] scratch, ReadOnlySpan<float> input, Span<float> output)
    {
        var inBytes = arena.AsSpan(_input.ArenaOffset, _input.ByteCount);
        if (_input.DataType == EpbDataType.Float32)
        {
            input.CopyTo(MemoryMarshal.Cast<byte, float>(inBytes));
        }
        else
        {
            Quantization.Quantize(input, MemoryMarshal.Cast<byte, sbyte>(inBytes), _input.Quant!.Scales[0], _input.Quant.ZeroPoints[0]);
        }

        Execute(arena, scratch);
        var outBytes = arena.AsSpan(_output.ArenaOffset, _output.ByteCount);
        if (_output.DataType == EpbDataType.Float32)
        {
            MemoryMarshal.Cast<byte, float>(outBytes).CopyTo(output);
        }
        else
        {
            Quantization.Dequantize(MemoryMarshal.Cast<byte, sbyte>(outBytes), output, _output.Quant!.Scales[0], _output.Quant.ZeroPoints[0]);
        }
    }

    private void RunOn(byte[] arena, int[] scratch, ReadOnlySpan<sbyte> input, Span<sbyte> output)
    {
        MemoryMarshal.Cast<sbyte, byte>(input).CopyTo(arena.AsSpan(_input.ArenaOffset, _input.ByteCount));
        Execute(arena, scratch);
        MemoryMarshal.Cast<byte, sbyte>(arena.AsSpan(_output.ArenaOffset, _output.ByteCount)).CopyTo(output);
    }

    private void RunBatch<T>(ReadOnlyMemory<T> inputs, Memory<T> outputs, int threads, Action<byte[], int[], ReadOnlyMemory<T>, Memory<T>> runOne)
    {
        CheckSizes(_input.ElementCount, _output.ElementCount);
        int inSize = _input.ElementCount, outSize = _output.ElementCount;
        int count = inputs.Length / inSize;
        if (inputs.Length % inSize != 0 || outputs.Length != count * outSize)
        {
            throw new ArgumentException($"a batch of {inputs.Length} input values needs a whole number of samples of {inSize} and {outSize} output values each; output has room for {outputs.Length}");
        }

        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be at least 1");
        }

        threads = Math.Min(threads, count);
        if (threads <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                runOne(_arena, _scratch, inputs.Slice(i * inSize, inSize), outputs.Slice(i * outSize, outSize));
            }

            return;
        }

        RunBatchInParallel(inputs, outputs, threads, count, runOne);
    }

    // Apart from RunBatch so that its one-thread path does not allocate the closure this lambda captures.
    private void RunBatchInParallel<T>(ReadOnlyMemory<T> inputs, Memory<T> outputs, int threads, int count, Action<byte[], int[], ReadOnlyMemory<T>, Memory<T>> runOne)
    {
        int inSize = _input.ElementCount, outSize = _output.ElementCount;
        while (_batchWorkers.Count < threads - 1)
        {
            _batchWorkers.Add((new byte[_arena.Length], new int[_scratch.Length]));
        }

        // Thread w runs samples w, w + threads, ...; thread 0 uses the model's own arena.
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, w =>
        {
            var (arena, scratch) = w == 0 ? (_arena, _scratch) : _batchWorkers[w - 1];
            for (int i = w; i < count; i += threads)
            {
                runOne(arena, scratch, inputs.Slice(i * inSize, inSize), outputs.Slice(i * outSize, outSize));
            }
        });
    }

    private void CheckSizes(int inputLength, int outputLength)
    {
        if (Inputs.Count != 1 || Outputs.Count != 1)
        {
            throw new InvalidOperationException($"the model has {Inputs.Count} inputs and {Outputs.Count} outputs; Run takes exactly one of each");
        }

        if (inputLength != _input.ElementCount || outputLength != _output.ElementCount)
        {
            throw new ArgumentException($"input has {inputLength} values and output room for {outputLength}; the model takes {_input.ElementCount} and gives {_output.ElementCount}");
        }
    }

    private void Execute(byte[] arena, int[] scratch)
    {
        foreach (var step in _steps)
        {
            step.Execute(arena, scratch);
        }
    }

    private static EpbTensorInfo Describe(TensorRecord t) =>
        new(t.Name, t.DataType, t.Shape, t.Quant?.Scales[0] ?? 1f, t.Quant?.ZeroPoints[0] ?? 0);

    /// <summary>
    /// Lets each convolution take over a MaxPool that runs right after it and is the only reader of its output (not a
    /// model output either), where the convolution can (<see cref="ConvStep.FuseMaxPool"/>); the pool's step is dropped.
    /// </summary>
    private static Step[] FuseMaxPools(Step[] steps, EpbContent content)
    {
        var readers = content.Nodes.SelectMany(n => n.Inputs).Concat(content.Outputs).Where(t => t >= 0).CountBy(t => t).ToDictionary();
        var kept = new List<Step>(steps.Length);
        for (int i = 0; i < steps.Length; i++)
        {
            kept.Add(steps[i]);
            if (steps[i] is ConvStep conv && i + 1 < steps.Length && steps[i + 1] is PoolStep pool
                && pool.Node.Inputs[0] == conv.Node.Outputs[0] && readers[conv.Node.Outputs[0]] == 1 && conv.FuseMaxPool(pool))
            {
                i++;
            }
        }

        return [.. kept];
    }

    private static Step CreateStep(NodeRecord node, TensorRecord[] tensors, TreeTables? trees) => node.Op switch
    {
        OpCode.TreeEnsemble => new TreeEnsembleStep(node, tensors, trees),
        OpCode.FullyConnected => new FullyConnectedStep(node, tensors),
        OpCode.Conv => new ConvStep(node, tensors),
        OpCode.MaxPool or OpCode.AveragePool or OpCode.GlobalAveragePool => new PoolStep(node, tensors),
        OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div => new BinaryStep(node, tensors),
        OpCode.Relu or OpCode.Clip or OpCode.Sigmoid or OpCode.Tanh or OpCode.LeakyRelu or OpCode.Softmax => new UnaryStep(node, tensors),
        OpCode.Copy => new CopyStep(node, tensors),
        OpCode.Concat => new ConcatStep(node, tensors),
        OpCode.Transpose => new TransposeStep(node, tensors),
        _ => new QuantizeStep(node, tensors),
    };
}
