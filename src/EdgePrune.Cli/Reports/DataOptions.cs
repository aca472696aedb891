using System.CommandLine;
using EdgePrune.Cli.Commands;
using EdgePrune.Compression.Fitting;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Training.Data;

namespace EdgePrune.Cli.Reports;

/// <summary>The data options <c>fit</c> and <c>report</c> share, and loading them into what <see cref="FitRequest"/> takes.</summary>
public sealed class DataOptions
{
    public Option<string> Eval { get; } = new("--eval") { Description = "evaluation inputs (.npy, .npz, IDX, CSV; first axis = samples; uint8 images scaled to [0, 1])", Required = true };

    public Option<string?> Labels { get; } = new("--labels") { Description = "class labels of --eval; without them the score is agreement with the original model" };

    public Option<string?> Calib { get; } = new("--calib") { Description = "calibration inputs for the activation ranges (default: --train, else --eval)" };

    public Option<string?> Train { get; } = new("--train") { Description = "training inputs to recover the chosen model on (fine-tuning with --train-labels, distillation from the original without)" };

    public Option<string?> TrainLabels { get; } = new("--train-labels") { Description = "class labels of --train" };

    public void AddTo(Command command, bool withTrain)
    {
        command.Options.Add(Eval);
        command.Options.Add(Labels);
        command.Options.Add(Calib);
        if (withTrain)
        {
            command.Options.Add(Train);
            command.Options.Add(TrainLabels);
        }
    }

    /// <summary>The model and data, checked against each other.</summary>
    public sealed record Loaded(byte[] Bytes, Model Model, Tensor Eval, long[]? Labels, Tensor Calibration, Dataset? Train);

    public Loaded Load(ParseResult parse, string modelPath, bool withTrain)
    {
        string evalPath = parse.GetRequiredValue(Eval);
        string? labelsPath = parse.GetValue(Labels), calibPath = parse.GetValue(Calib);
        string? trainPath = withTrain ? parse.GetValue(Train) : null, trainLabelsPath = withTrain ? parse.GetValue(TrainLabels) : null;
        if (trainLabelsPath is not null && trainPath is null)
        {
            throw new EdgePruneException("--train-labels needs --train: pass the training inputs the labels belong to");
        }

        byte[] bytes = ModelFile.ReadBytes(modelPath);
        var model = OnnxImporter.Load(bytes, modelPath);
        var eval = CalibrationData.ForInput(model.Graph, DataFiles.Load(evalPath), evalPath);
        long[]? labels = null;
        if (labelsPath is not null)
        {
            labels = DataFiles.Load(labelsPath).ToInt64Array();
            if (labels.Length != eval.Shape[0])
            {
                throw new EdgePruneException($"{labelsPath}: holds {labels.Length} labels but {evalPath} has {eval.Shape[0]} samples; they must match one to one");
            }
        }

        string calibrationSource = calibPath ?? trainPath ?? evalPath;
        var calibration = CalibrationData.ForInput(model.Graph, DataFiles.Load(calibrationSource), calibrationSource);
        var train = trainPath is null ? null : TrainCommand.LoadData(trainPath, trainLabelsPath);
        return new Loaded(bytes, model, eval, labels, calibration, train);
    }

    public static FitBudget Budget(DeviceProfile device, long? flash, long? ram)
    {
        if (flash is <= 0 || ram is <= 0)
        {
            throw new EdgePruneException("--flash-budget and --ram-budget are byte counts above 0");
        }

        return FitBudget.Of(device, flash, ram);
    }
}
