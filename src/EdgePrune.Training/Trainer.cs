using System.Diagnostics;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Data;
using EdgePrune.Training.Losses;
using EdgePrune.Training.Optimization;

namespace EdgePrune.Training;

/// <summary>One epoch's summary. Accuracies are fractions in [0, 1]; training accuracy is null without labels.</summary>
public sealed record EpochReport(int Epoch, int Epochs, float Loss, float? TrainAccuracy, float? ValidationAccuracy, double SamplesPerSecond);

/// <summary>Progress inside an epoch, reported after every step.</summary>
public sealed record StepReport(int Epoch, int Step, int StepsPerEpoch, float Loss);

/// <summary>The trained graph and how the run went; <see cref="Cancelled"/> runs stopped early on request.</summary>
public sealed record TrainingResult(Graph Graph, IReadOnlyList<EpochReport> Epochs, bool Cancelled, double SamplesPerSecond);

/// <summary>
/// Trains a classifier graph (one float input, logits as its first output) with cross-entropy, or distils it from a
/// teacher graph. Masks set on the parameters (see <see cref="KeepZerosAsMasks"/>) hold through the whole run.
/// </summary>
public sealed class Trainer
{
    private readonly TrainingOptions _options;
    private readonly AutogradEngine _engine;
    private readonly AutogradEngine? _teacher;
    private readonly string _input;
    private readonly string _output;
    private readonly string? _teacherInput;
    private readonly string? _teacherOutput;

    public Trainer(Graph model, TrainingOptions options, Graph? teacher = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _engine = new AutogradEngine(model, seed: options.Seed);
        (_input, _output) = SingleInputAndOutput(model, "model");
        if (teacher is not null)
        {
            _teacher = new AutogradEngine(teacher, trainable: []);
            (_teacherInput, _teacherOutput) = SingleInputAndOutput(teacher, "teacher");
        }
    }

    public AutogradEngine Engine => _engine;

    /// <summary>Turns every exact zero of each weight tensor (rank ≥ 2) into a mask entry; returns how many weights are pinned.</summary>
    public long KeepZerosAsMasks()
    {
        long pinned = 0;
        foreach (var parameter in _engine.Parameters.Where(p => p.Shape.Length >= 2))
        {
            var values = parameter.Values;
            var mask = new float[values.Length];
            int zeros = 0;
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = values[i] == 0 ? 0f : 1f;
                zeros += values[i] == 0 ? 1 : 0;
            }

            if (zeros > 0)
            {
                parameter.SetMask(mask);
                pinned += zeros;
            }
        }

        return pinned;
    }

    public TrainingResult Fit(Dataset train, Dataset? validation = null, Action<EpochReport>? onEpoch = null, Action<StepReport>? onStep = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        bool distill = _teacher is not null && _options.Alpha < 1;
        if (train.Labels is null && !(distill && _options.Alpha == 0))
        {
            throw new EdgePruneException($"{train.Source}: no labels given; training needs labels unless it distils from a teacher with alpha 0");
        }

        int[] inputShape = InputShape(_engine.Graph, _input, train, "model", _options.BatchSize);
        int[]? teacherShape = _teacher is null ? null : InputShape(_teacher.Graph, _teacherInput!, train, "teacher", _options.BatchSize);
        var sampler = new BatchSampler(train, _options.BatchSize, _options.Seed, shuffle: true,
            _options.ShiftPixels > 0 ? new RandomShift(_options.ShiftPixels) : null);
        int steps = sampler.BatchesPerEpoch;
        var optimizer = CreateOptimizer();
        var schedule = CreateSchedule(steps);
        var loss = new DistillationLoss(distill ? _options.Alpha : 1f, _options.Temperature);
        var reports = new List<EpochReport>();
        float[] gradient = [];
        int classes = -1;
        long samplesSeen = 0;
        var total = Stopwatch.StartNew();
        for (int epoch = 0; epoch < _options.Epochs; epoch++)
        {
            sampler.StartEpoch(epoch);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            for (int step = 0; step < steps; step++)
            {
                if (cancel.IsCancellationRequested)
                {
                    return new TrainingResult(_engine.ToGraph(), reports, Cancelled: true, samplesSeen / total.Elapsed.TotalSeconds);
                }

                int batch = sampler.Fill(step, out var features, out var labels);
                inputShape[0] = batch;
                _engine.SetInput(_input, features, inputShape);
                _engine.Run(training: true);
                var logits = _engine.OutputSpan(_output, out var logitShape);
                if (classes < 0)
                {
                    classes = logitShape[^1];
                    train.CheckLabels(classes);
                    validation?.CheckLabels(classes);
                }

                if (gradient.Length != logits.Length)
                {
                    gradient = new float[logits.Length];
                }

                Array.Clear(gradient);
                float stepLoss;
                if (distill)
                {
                    teacherShape![0] = batch;
                    _teacher!.SetInput(_teacherInput!, features, teacherShape);
                    _teacher.Run(training: false);
                    var teacherLogits = _teacher.OutputSpan(_teacherOutput!, out _);
                    if (teacherLogits.Length != logits.Length)
                    {
                        throw new EdgePruneException($"the teacher gives {teacherLogits.Length / batch} outputs per sample but the student {classes}; they must agree");
                    }

                    stepLoss = loss.Compute(logits, teacherLogits, classes, labels, gradient);
                }
                else
                {
                    stepLoss = CrossEntropyLoss.Compute(logits, classes, labels, gradient);
                }

                if (!float.IsFinite(stepLoss))
                {
                    throw new EdgePruneException($"the loss became {stepLoss} at epoch {epoch + 1}, step {step + 1}; lower the learning rate (--lr) or clip gradients");
                }

                if (!labels.IsEmpty)
                {
                    correct += CountCorrect(logits, classes, labels);
                }

                _engine.Backward(_output, gradient);
                if (_options.ClipNorm is { } clip)
                {
                    GradientClipping.ClipByGlobalNorm(_engine.Parameters, clip);
                }

                optimizer.Step(_engine.Parameters, schedule.At(optimizer.Steps));
                lossSum += stepLoss * batch;
                seen += batch;
                samplesSeen += batch;
                onStep?.Invoke(new StepReport(epoch + 1, step + 1, steps, stepLoss));
            }

            double rate = seen / clock.Elapsed.TotalSeconds;
            float? validationAccuracy = validation?.Labels is null ? null : Evaluate(validation);
            var report = new EpochReport(epoch + 1, _options.Epochs, (float)(lossSum / seen), train.Labels is null ? null : (float)correct / seen, validationAccuracy, rate);
            reports.Add(report);
            onEpoch?.Invoke(report);
        }

        return new TrainingResult(_engine.ToGraph(), reports, Cancelled: false, samplesSeen / total.Elapsed.TotalSeconds);
    }

    /// <summary>Top-1 accuracy of the current weights on labelled <paramref name="data"/> (batch statistics off, dropout off).</summary>
    public float Evaluate(Dataset data) => Evaluate(_engine, _input, _output, data);

    /// <summary>Top-1 accuracy of <paramref name="graph"/> on labelled <paramref name="data"/>.</summary>
    public static float Evaluate(Graph graph, Dataset data)
    {
        var (input, output) = SingleInputAndOutput(graph, "model");
        return Evaluate(new AutogradEngine(graph, trainable: []), input, output, data);
    }

    private static float Evaluate(AutogradEngine engine, string input, string output, Dataset data)
    {
        var labels = data.Labels ?? throw new EdgePruneException($"{data.Source}: accuracy needs labels");
        const int BatchSize = 256;
        int[] shape = InputShape(engine.Graph, input, data, "model", BatchSize);
        var sampler = new BatchSampler(data, BatchSize, seed: 0, shuffle: false);
        sampler.StartEpoch(0);
        long correct = 0;
        for (int step = 0; step < sampler.BatchesPerEpoch; step++)
        {
            int batch = sampler.Fill(step, out var features, out var batchLabels);
            shape[0] = batch;
            engine.SetInput(input, features, shape);
            engine.Run(training: false);
            var logits = engine.OutputSpan(output, out var logitShape);
            data.CheckLabels(logitShape[^1]);
            correct += CountCorrect(logits, logitShape[^1], batchLabels);
        }

        return (float)correct / labels.Length;
    }

    private static int CountCorrect(ReadOnlySpan<float> logits, int classes, ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int b = 0; b < labels.Length; b++)
        {
            correct += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Slice(b * classes, classes)) == labels[b] ? 1 : 0;
        }

        return correct;
    }

    private Optimizer CreateOptimizer() => _options.Optimizer switch
    {
        OptimizerKind.Sgd => new Sgd(_options.Momentum, _options.Nesterov, _options.WeightDecay),
        OptimizerKind.Adam => new Adam(weightDecay: _options.WeightDecay),
        _ => new Adam(weightDecay: _options.WeightDecay, decoupled: true),
    };

    private LearningRateSchedule CreateSchedule(int stepsPerEpoch)
    {
        int total = stepsPerEpoch * _options.Epochs;
        return _options.Schedule switch
        {
            ScheduleKind.Constant => new ConstantSchedule(_options.LearningRate, _options.WarmupSteps),
            ScheduleKind.Cosine => new CosineSchedule(_options.LearningRate, total, _options.WarmupSteps),
            ScheduleKind.Step => new StepSchedule(_options.LearningRate, _options.StepEpochs * stepsPerEpoch, 0.1f, _options.WarmupSteps),
            _ => new OneCycleSchedule(_options.LearningRate, total),
        };
    }

    private static (string Input, string Output) SingleInputAndOutput(Graph graph, string role)
    {
        var inputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1 || graph.Outputs.Length == 0)
        {
            throw new EdgePruneException($"the {role} must have exactly one data input and at least one output; '{graph.Name}' has {inputs.Count} inputs and {graph.Outputs.Length} outputs");
        }

        return (inputs[0].Name, graph.Outputs[0].Name);
    }

    /// <summary>The shape to feed a batch as: the model's declared input shape with the batch first, checked against the data's samples.</summary>
    private static int[] InputShape(Graph graph, string input, Dataset data, string role, int batch)
    {
        var declared = graph.Inputs.First(i => i.Name == input).Type;
        if (declared.Shape is null)
        {
            return [batch, .. data.SampleShape];
        }

        var dims = declared.Shape.Skip(1).ToArray();
        long known = 1;
        bool allKnown = true;
        foreach (var d in dims)
        {
            allKnown &= d.IsKnown;
            known *= d.IsKnown ? d.Value!.Value : 1;
        }

        if (allKnown && known == data.SampleSize)
        {
            return [batch, .. dims.Select(d => checked((int)d.Value!.Value))];
        }

        if (!allKnown && dims.Length == data.SampleShape.Length)
        {
            return [batch, .. data.SampleShape];
        }

        throw new EdgePruneException($"{data.Source}: samples shaped {Tensor.FormatShape(data.SampleShape)} do not fit the {role}'s input '{input}' {declared}");
    }
}
