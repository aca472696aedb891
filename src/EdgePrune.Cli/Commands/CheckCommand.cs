using System.CommandLine;
using EdgePrune.Cli.Checking;
using EdgePrune.Cli.Formatting;
using EdgePrune.Core.Onnx;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune check MODEL [--inputs FILE] [--seed N] [--json]</c>: runs the model in EdgePrune and in ONNX Runtime
/// on the inputs of a data file or on seeded generated ones; exit 0 when every output agrees within tolerance, 1 when one does not.
/// </summary>
public static class CheckCommand
{
    public const int Disagrees = 1;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "the .onnx model to check" };
        var seed = new Option<int>("--seed") { Description = "seed of the generated inputs (float uniform in [-1, 1], symbolic dims as 1)", DefaultValueFactory = _ => 0 };
        var inputsFile = new Option<string?>("--inputs") { Description = "take the inputs from this .npy/.npz/IDX/CSV file (an .npz holds one array per input name) instead of generating them" };
        var json = new Option<bool>("--json") { Description = "print JSON (fields documented in docs/cli.md) instead of a table" };
        var command = new Command("check", "run a model in EdgePrune and in ONNX Runtime on the same generated inputs and compare every output")
        {
            model, inputsFile, seed, json,
        };
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
            Execute(parse.GetRequiredValue(model), parse.GetValue(seed), parse.GetValue(json), stdout, parse.GetValue(inputsFile))));
        return command;
    }

    public static int Execute(string modelPath, int seed, bool json, TextWriter stdout, string? inputsFile = null)
    {
        byte[] bytes = ModelFile.ReadBytes(modelPath);
        var report = ModelChecker.Check(bytes, OnnxImporter.Load(bytes, modelPath), modelPath, seed, inputsFile);
        stdout.Write(json ? CheckJson.Format(report) : CheckText.Format(report));
        return report.Agrees ? 0 : Disagrees;
    }
}
