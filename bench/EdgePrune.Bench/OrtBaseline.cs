using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgePrune.Bench;

/// <summary>
/// ONNX Runtime on an fp32 graph as the benchmarks' baseline: one intra-op thread, sequential, default graph
/// optimizations, input and output bound once to preallocated <see cref="OrtValue"/>s over the caller's arrays.
/// </summary>
internal sealed class OrtBaseline : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string _outputName;

    public OrtBaseline(Graph graph, float[] input, float[] output)
    {
        var typed = Core.Ops.ShapeInference.Infer(graph, "bench");
        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(OnnxExporter.ToBytes(new Model { Graph = typed }), options);
        _inputName = typed.Inputs[0].Name;
        _outputName = typed.Outputs[0].Name;
        _input = OrtValue.CreateTensorValueFromMemory(input, Shape(typed.Inputs[0]));
        _output = OrtValue.CreateTensorValueFromMemory(output, Shape(typed.Outputs[0]));
    }

    public void Run() => _session.Run(_runOptions, [_inputName], [_input], [_outputName], [_output]);

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    private static long[] Shape(ValueInfo value) => [.. value.Type.Shape!.Select(d => d.Value ?? 1)];
}
