using System.CommandLine;
using EdgePrune.Core;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune finetune MODEL --train X [--labels Y] [--teacher T.onnx] [--alpha A] [--temperature T] -o OUT.onnx</c>:
/// recovers accuracy after pruning. Every exact zero of a weight tensor becomes a mask, so the sparsity pattern
/// survives; with a teacher the loss is α·CE + (1 − α)·T²·KL, and α = 0 needs no labels.
/// </summary>
public static class FinetuneCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "the .onnx model to fine-tune (its zero weights stay zero)" };
        var teacher = new Option<string?>("--teacher") { Description = "an .onnx model to distil from (usually the dense original)" };
        var alpha = new Option<float?>("--alpha") { Description = "weight of the label loss against the teacher's (default 0.5 with a teacher, 1 without); 0 needs no labels" };
        var temperature = new Option<float>("--temperature") { Description = "distillation temperature T", DefaultValueFactory = _ => 4f };
        var common = new TrainCommand.CommonOptions(defaultEpochs: 3, defaultLearningRate: 1e-4f);
        var command = new Command("finetune", "fine-tune a (pruned) model, optionally distilling from a teacher, keeping its zeros") { model, teacher, alpha, temperature };
        common.AddTo(command, labelsRequired: false);
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
        {
            string teacherPath = parse.GetValue(teacher) ?? "";
            float a = parse.GetValue(alpha) ?? (teacherPath.Length > 0 ? 0.5f : 1f);
            float t = parse.GetValue(temperature);
            if (a < 0 || a > 1 || !(t > 0))
            {
                throw new EdgePruneException($"--alpha must be in [0, 1] and --temperature positive (got {a} and {t})");
            }

            if (a < 1 && teacherPath.Length == 0)
            {
                throw new EdgePruneException("--alpha below 1 weights a teacher's loss; give the teacher with --teacher");
            }

            string? labels = parse.GetValue(common.Labels);
            if (labels is null && a > 0)
            {
                throw new EdgePruneException("--labels is required unless distilling with --teacher and --alpha 0");
            }

            string modelPath = parse.GetRequiredValue(model);
            var student = ModelFile.Load(modelPath);
            var teacherGraph = teacherPath.Length > 0 ? ModelFile.Load(teacherPath).Graph : null;
            var options = common.Read(parse) with { Alpha = a, Temperature = t };
            var data = TrainCommand.LoadData(parse.GetRequiredValue(common.Train), labels);
            return TrainCommand.Run(student, teacherGraph, data, options, parse.GetValue(common.Validation), parse.GetRequiredValue(common.Output),
                parse.GetValue(common.Json), maskZeros: true, stdout, stderr, ("model", modelPath));
        }));
        return command;
    }
}
