using System.CommandLine;
using EdgePrune.Cli.Reports;
using EdgePrune.Compression.Fitting;
using EdgePrune.Compression.Sensitivity;
using EdgePrune.Core;
using EdgePrune.Core.Devices;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune report MODEL --device NAME --eval X [--labels Y] [--calib X] [--bits 8|4] [--sensitivity] -o DIR</c>: the fit report
/// for a model compressed already (pruned zeros are kept as they are), quantized as it would ship, with no search.
/// Writes model.onnx (QDQ) and model.epb when it fits, and report.{html,md,json}. Exit 0 fits, 3 does not fit, 2 bad input.
/// </summary>
public static class ReportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "the fp32 .onnx model (e.g. pruned by edgeprune prune, or model-fp32.onnx of a fit)" };
        var device = new Option<string>("--device") { Description = "device profile name (see devices/) or path to a profile .json", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "directory to write the report into", Required = true };
        var bits = new Option<int>("--bits") { Description = "weight bits of every layer: 8 or 4", DefaultValueFactory = _ => 8 };
        bits.AcceptOnlyFromAmong("8", "4");
        var sensitivity = new Option<bool>("--sensitivity") { Description = "add the per-layer sensitivity sweep (table and plot)" };
        var searchSamples = new Option<int>("--search-samples") { Description = "evaluation samples the sensitivity sweep scores on", DefaultValueFactory = _ => 500 };
        var data = new DataOptions();
        var command = new Command("report", "the fit report (budgets, layers, confusion matrix) for a model as it is, on a device") { model, device, output, bits, sensitivity, searchSamples };
        data.AddTo(command, withTrain: false);
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
        {
            string modelPath = parse.GetRequiredValue(model);
            var inputs = data.Load(parse, modelPath, withTrain: false);
            if (parse.GetValue(searchSamples) < 1)
            {
                throw new EdgePruneException("--search-samples must be at least 1");
            }

            var profile = DeviceProfiles.Load(parse.GetRequiredValue(device));
            var request = new FitRequest
            {
                Model = inputs.Model.Graph,
                Device = profile,
                Budget = FitBudget.Of(profile),
                Eval = inputs.Eval,
                Labels = inputs.Labels,
                Calibration = inputs.Calibration,
                SearchSamples = parse.GetValue(searchSamples),
                SourceBytes = inputs.Bytes,
            };
            var result = StageProgress.Run(stdout, stderr, report => FitSearch.Assess(request, parse.GetValue(bits), parse.GetValue(sensitivity), report));
            return FitCommand.Finish("report", modelPath, parse.GetRequiredValue(output), inputs, result, FitCommand.ReproduceCommand(parse.Tokens.Select(t => t.Value)), stdout, stderr);
        }));
        return command;
    }
}
