using System.CommandLine;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Core.Ops;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune sample</c>: the newcomer's demo. Builds an MNIST-shaped MLP (784-128-10, fixed pseudo-random
/// weights) in code, saves it as ONNX, then runs <c>inspect</c> against two device profiles and <c>check</c>.
/// </summary>
public static class SampleCommand
{
    private static readonly string[] Devices = ["qemu-mps2-an386", "arduino-uno"];

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("sample", "demo: build a small MLP, inspect it against two devices, and check it against ONNX Runtime");
        command.SetAction(_ => CommandRunner.Run(stderr, () => Execute(stdout)));
        return command;
    }

    public static int Execute(TextWriter stdout)
    {
        string dir = Directory.CreateTempSubdirectory("edgeprune-sample-").FullName;
        try
        {
            string path = Path.Combine(dir, "mlp-784-128-10.onnx");
            OnnxExporter.Save(new Model { Graph = ShapeInference.Infer(Mlp(), "sample") }, path);
            stdout.WriteLine($"# An MNIST-shaped MLP (784-128-10, Gemm/Relu/Add) built in code and saved to {path}");
            foreach (string device in Devices)
            {
                stdout.WriteLine();
                if (!File.Exists(Path.Combine(DeviceProfiles.DefaultDirectory, device + ".json")))
                {
                    stdout.WriteLine($"# (device profile '{device}' not found in {DeviceProfiles.DefaultDirectory}; skipping it)");
                    continue;
                }

                stdout.WriteLine($"$ edgeprune inspect {path} --device {device}");
                InspectCommand.Execute(path, device, json: false, stdout);
            }

            stdout.WriteLine();
            stdout.WriteLine($"$ edgeprune check {path}");
            return CheckCommand.Execute(path, seed: 0, json: false, stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>x[N,784] → Gemm(+bias) → Relu → Gemm → Add(bias) → logits[N,10]; weights uniform in ±1/√fan-in from a fixed seed.</summary>
    private static Graph Mlp()
    {
        var random = new Random(784);
        Tensor Uniform(int fanIn, params int[] shape)
        {
            float limit = 1f / MathF.Sqrt(fanIn);
            var data = new float[Tensor.ElementCountOf(shape)];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (float)(random.NextDouble() * 2 - 1) * limit;
            }

            return Tensor.FromArray(data, shape);
        }

        var b = new GraphBuilder(name: "mnist_mlp");
        string x = b.Input("image", DataType.Float, Dim.Named("N"), 784);
        string hidden = b.Op("Gemm", [x, b.Initializer("fc1.weight", Uniform(784, 784, 128)), b.Initializer("fc1.bias", Uniform(784, 128))]);
        string activated = b.Op("Relu", [hidden]);
        string scores = b.Op("Gemm", [activated, b.Initializer("fc2.weight", Uniform(128, 128, 10))]);
        string logits = b.Op("Add", [scores, b.Initializer("fc2.bias", Uniform(128, 10))]);
        b.Output(logits);
        return b.Build();
    }
}
