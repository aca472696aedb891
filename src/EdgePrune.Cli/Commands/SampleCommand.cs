using System.CommandLine;
using EdgePrune.Compression.Quantization;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune sample</c>: the newcomer's demo, on the committed LeNet-300-100 (trained by EdgePrune on the real
/// MNIST digits in samples/) and a microcontroller profile: inspect it against the device, check it against ONNX
/// Runtime on real digits, quantize it to int8 with calibration and measure accuracy, inspect the int8 model
/// against the device again, and export it as <c>.epb</c> and verify that file against ONNX Runtime.
/// </summary>
public static class SampleCommand
{
    public const string Device = "arduino-nano-33-ble-sense";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("sample", "demo: inspect, check, quantize, export and verify the sample LeNet-300-100 on real MNIST digits for an nRF52840 board");
        command.SetAction(_ => CommandRunner.Run(stderr, () => Execute(stdout, stderr)));
        return command;
    }

    public static int Execute(TextWriter stdout, TextWriter stderr)
    {
        string model = SampleFiles.Model("lenet-300-100.onnx");
        string trainImages = SampleFiles.Mnist("train-images-idx3-ubyte.gz");
        string testImages = SampleFiles.Mnist("test-images-idx3-ubyte.gz");
        string testLabels = SampleFiles.Mnist("test-labels-idx1-ubyte.gz");

        string dir = Directory.CreateTempSubdirectory("edgeprune-sample-").FullName;
        try
        {
            string int8 = Path.Combine(dir, "lenet-300-100.int8.onnx");
            string epb = Path.Combine(dir, "lenet-300-100.epb");
            int worst = 0;
            void Step(string commandLine, Func<int> run)
            {
                stdout.WriteLine();
                stdout.WriteLine($"$ edgeprune {commandLine}");
                worst = Math.Max(worst, run());
            }

            stdout.WriteLine($"# The sample: {model}, trained by EdgePrune on 8,000 real MNIST digits (samples/models/README.md),");
            stdout.WriteLine($"# taken to a {Device} board. Outputs go to {dir} and are deleted at the end.");
            Step($"inspect {model} --device {Device}", () => InspectCommand.Execute(model, Device, json: false, stdout));
            Step($"check {model} --inputs {testImages}", () => CheckCommand.Execute(model, seed: 0, json: false, stdout, testImages));
            Step($"quantize {model} -o {int8} --calib {trainImages} --calib-samples 500 --eval {testImages} --labels {testLabels}", () =>
                QuantizeCommand.Execute(
                    new QuantizeCommand.Request(model, int8, trainImages, CalibrationMethod.MinMax, 99.99, WeightPrecision.Int8, null, 500, testImages, testLabels, Json: false),
                    stdout,
                    stderr));
            Step($"inspect {int8} --device {Device}", () => InspectCommand.Execute(int8, Device, json: false, stdout));
            Step($"export {model} --format epb -o {epb}", () => ExportCommand.Execute(model, "epb", epb, dense: false, json: false, stdout));
            Step($"verify {epb} --reference {model} --inputs {testImages}", () => VerifyCommand.Execute(epb, model, testImages, seed: 0, json: false, stdout));
            return worst;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
