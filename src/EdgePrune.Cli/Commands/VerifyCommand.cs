using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgePrune.Cli.Checking;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.Runtime;
using EdgePrune.Runtime.Format;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune verify MODEL.epb --reference MODEL.onnx [--inputs FILE] [--seed N] [--json]</c>: runs every sample through the
/// EdgePrune runtime and through ONNX Runtime on the reference model. Exit 0 when they agree (fp32: max |diff| within
/// 1e-4 · max(1, output range); int8: argmax agreement on at least 99 % of samples), 1 when not, 2 for an invalid file.
/// A tree-ensemble reference is verified by <see cref="VerifyTrees"/> (labels equal and scores within the fp32 tolerance).
/// </summary>
public static class VerifyCommand
{
    public const double RelativeTolerance = 1e-4;
    public const double Int8ArgmaxAgreement = 0.99;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var epb = new Argument<string>("MODEL.epb") { Description = "the .epb file to verify" };
        var reference = new Option<string>("--reference") { Description = "the .onnx model it was exported from", Required = true };
        var inputsFile = new Option<string?>("--inputs") { Description = "samples from a .npy/.npz/IDX/CSV file (one sample per row of the first axis) instead of generated ones" };
        var seed = new Option<int>("--seed") { Description = "seed of the generated input (float uniform in [-1, 1])", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print JSON (fields in docs/runtime.md) instead of text" };
        var command = new Command("verify", "run an .epb in the EdgePrune runtime and its source model in ONNX Runtime on the same inputs and compare")
        {
            epb, reference, inputsFile, seed, json,
        };
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
            Execute(parse.GetRequiredValue(epb), parse.GetRequiredValue(reference), parse.GetValue(inputsFile), parse.GetValue(seed), parse.GetValue(json), stdout)));
        return command;
    }

    public static int Execute(string epbPath, string referencePath, string? inputsFile, int seed, bool json, TextWriter stdout)
    {
        var runtime = LoadEpb(epbPath);
        byte[] onnx = ModelFile.ReadBytes(referencePath);
        if (Core.Trees.TreeEnsembleImporter.IsTreeModel(onnx))
        {
            return VerifyTrees.Execute(runtime, epbPath, onnx, referencePath, inputsFile, seed, json, stdout);
        }

        if (runtime.IsTreeEnsemble)
        {
            throw new EdgePruneException($"{epbPath}: this .epb holds a tree ensemble but {referencePath} is a network; pass the ONNX-ML model the .epb was exported from");
        }

        var graph = Core.Onnx.OnnxImporter.Load(onnx, referencePath).Graph;
        if (runtime.Inputs.Count != 1 || runtime.Outputs.Count != 1)
        {
            throw new EdgePruneException($"{epbPath}: verify handles models with one input and one output; this one has {runtime.Inputs.Count} and {runtime.Outputs.Count}");
        }

        var feeds = inputsFile is null ? ModelChecker.GenerateInputs(graph, seed, referencePath) : ModelInputs.Load(inputsFile, graph);
        var data = feeds.Values.Single().ToFloatArray();
        var inputInfo = runtime.Inputs[0];
        int sampleSize = inputInfo.ElementCount, outputSize = runtime.Outputs[0].ElementCount;
        if (data.Length == 0 || data.Length % sampleSize != 0)
        {
            throw new EdgePruneException($"{inputsFile ?? referencePath}: {data.Length} input values do not split into samples of {sampleSize} (the .epb input {Shape(inputInfo.Shape)})");
        }

        int samples = data.Length / sampleSize;
        string inputName = graph.Inputs.Single(i => !graph.Initializers.ContainsKey(i.Name)).Name;
        string outputName = graph.Outputs[0].Name;
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        var actual = new float[outputSize];
        double maxAbs = 0, low = double.PositiveInfinity, high = double.NegativeInfinity;
        int argmaxAgree = 0;
        for (int s = 0; s < samples; s++)
        {
            var sample = data.AsSpan(s * sampleSize, sampleSize).ToArray();
            runtime.Run(sample, actual);
            using var results = RunOnnxRuntime(session, inputName, sample, inputInfo.Shape, referencePath);
            var expected = results.First(r => r.Name == outputName).AsEnumerable<float>().ToArray();
            if (expected.Length != outputSize)
            {
                throw new EdgePruneException($"{referencePath}: output '{outputName}' has {expected.Length} values per sample; the .epb gives {outputSize}");
            }

            for (int i = 0; i < outputSize; i++)
            {
                double diff = float.IsNaN(expected[i]) != float.IsNaN(actual[i]) ? double.PositiveInfinity : Math.Abs(expected[i] - actual[i]);
                maxAbs = Math.Max(maxAbs, float.IsNaN(expected[i]) && float.IsNaN(actual[i]) ? 0 : diff);
                low = Math.Min(low, expected[i]);
                high = Math.Max(high, expected[i]);
            }

            argmaxAgree += ArgMax(expected) == ArgMax(actual) ? 1 : 0;
        }

        bool int8 = inputInfo.DataType == EpbDataType.Int8 || runtime.Outputs[0].DataType == EpbDataType.Int8;
        double tolerance = RelativeTolerance * Math.Max(1, high - low);
        bool agrees = int8 ? argmaxAgree >= Int8ArgmaxAgreement * samples : maxAbs <= tolerance;
        stdout.Write(json
            ? Json(epbPath, referencePath, samples, maxAbs, tolerance, argmaxAgree, int8, agrees)
            : Text(epbPath, referencePath, samples, maxAbs, tolerance, argmaxAgree, int8, agrees));
        return agrees ? 0 : CheckCommand.Disagrees;
    }

    private static IDisposableReadOnlyCollection<DisposableNamedOnnxValue> RunOnnxRuntime(InferenceSession session, string inputName, float[] sample, int[] shape, string referencePath)
    {
        try
        {
            return session.Run([NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(sample, shape))]);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgePruneException($"{referencePath}: ONNX Runtime cannot run the reference on a sample of shape {Shape(shape)}: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static EpbModel LoadEpb(string path)
    {
        byte[] bytes = ModelFile.ReadBytes(path);
        try
        {
            return EpbModel.Load(bytes);
        }
        catch (EpbFormatException e)
        {
            throw new EdgePruneException($"{path}: not a valid .epb file: {e.Message}", e);
        }
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static string Shape(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private static string Text(string epb, string reference, int samples, double maxAbs, double tolerance, int argmaxAgree, bool int8, bool agrees)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{epb} ({(int8 ? "int8" : "fp32")}) vs ONNX Runtime on {reference}, {samples} sample(s)");
        text.AppendLine(CultureInfo.InvariantCulture, $"max |diff|         {maxAbs:G4}{(int8 ? "" : $" (tolerance {tolerance:G3})")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"argmax agreement   {argmaxAgree}/{samples}{(int8 ? $" (needs {Int8ArgmaxAgreement:P0})" : "")}");
        text.AppendLine(agrees ? "verdict            agree" : "verdict            DISAGREE");
        return text.ToString();
    }

    private static string Json(string epb, string reference, int samples, double maxAbs, double tolerance, int argmaxAgree, bool int8, bool agrees)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("epb", epb);
            json.WriteString("reference", reference);
            json.WriteString("precision", int8 ? "int8" : "fp32");
            json.WriteNumber("samples", samples);
            if (double.IsFinite(maxAbs))
            {
                json.WriteNumber("max_abs_diff", maxAbs);
            }
            else
            {
                json.WriteNull("max_abs_diff");
            }

            json.WriteNumber("tolerance", tolerance);
            json.WriteNumber("argmax_agreement", argmaxAgree);
            json.WriteBoolean("agrees", agrees);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }
}
