using System.Diagnostics;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;
using Tensor = EdgePrune.Core.Ir.Tensor;

namespace EdgePrune.Compression.Tests.Quantization;

/// <summary>The real ResNet18 (CNTK export, opset 8) quantized per channel and run by ONNX Runtime as QDQ.</summary>
public class ResNet18QdqTests(ITestOutputHelper output)
{
    private const int Inputs = 32;

    [Fact]
    public void ResNet18_int8_QDQ_runs_in_OnnxRuntime_and_agrees_with_fp32_on_top1()
    {
        var clock = Stopwatch.StartNew();
        var model = OnnxImporter.Load(RealModels.ResNet18);
        var random = new Random(18);
        var calibration = Tensor.FromArray(Enumerable.Range(0, 2).SelectMany(_ => NaturalImages.Smooth(random, 3, 224, 224)).ToArray(), 2, 3, 224, 224);
        var quantized = Quantizer.Quantize(model.Graph, calibration, new QuantizationOptions());
        output.WriteLine($"quantized ({quantized.Steps.Length} int8 steps, {quantized.Steps.Count(s => s.FusedActivation is not null)} with a fused Relu) in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(22, quantized.Steps.Count(s => s.Kind == StepKind.Conv));
        Assert.All(quantized.Steps.Where(s => s.Weights is not null), s => Assert.True(s.Weights!.Quantization.PerChannel));

        var qdqBytes = OnnxExporter.ToBytes(QdqExporter.ToModel(quantized));
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var fp32 = new InferenceSession(File.ReadAllBytes(RealModels.ResNet18), options);
        using var int8 = new InferenceSession(qdqBytes, options);
        string input = quantized.InputName;
        string outputName = model.Graph.Outputs[0].Name;
        int agree = 0;
        double cosineSum = 0;
        for (int i = 0; i < Inputs; i++)
        {
            var image = NaturalImages.Smooth(random, 3, 224, 224);
            var expected = Run(fp32, input, outputName, image);
            var actual = Run(int8, input, outputName, image);
            agree += ArgMax(expected) == ArgMax(actual) ? 1 : 0;
            cosineSum += Cosine(expected, actual);
        }

        double cosine = cosineSum / Inputs;
        output.WriteLine($"top-1 (argmax of the 512 features) agreement int8 QDQ vs fp32: {agree}/{Inputs}; mean cosine similarity {cosine:F4}; total {clock.ElapsedMilliseconds} ms");
        Assert.True(cosine > 0.95, $"mean cosine similarity {cosine:F4}");
        Assert.True(agree >= Inputs * 3 / 4, $"top-1 agreement {agree}/{Inputs}");
    }

    private static float[] Run(InferenceSession session, string input, string output, float[] image)
    {
        var feed = NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(image, [1, 3, 224, 224]));
        using var results = session.Run([feed]);
        return results.First(r => r.Name == output).AsTensor<float>().ToArray();
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}

/// <summary>Natural-image-like test inputs: smooth random fields (bilinear upsampling of a coarse grid) plus fine noise, in 0–255.</summary>
internal static class NaturalImages
{
    public static float[] Smooth(Random random, int channels, int height, int width, int grid = 8)
    {
        var image = new float[channels * height * width];
        for (int c = 0; c < channels; c++)
        {
            var coarse = new float[(grid + 1) * (grid + 1)];
            for (int i = 0; i < coarse.Length; i++)
            {
                coarse[i] = (float)random.NextDouble() * 255f;
            }

            for (int y = 0; y < height; y++)
            {
                float gy = (float)y / height * grid;
                int y0 = (int)gy;
                float fy = gy - y0;
                for (int x = 0; x < width; x++)
                {
                    float gx = (float)x / width * grid;
                    int x0 = (int)gx;
                    float fx = gx - x0;
                    float top = coarse[y0 * (grid + 1) + x0] * (1 - fx) + coarse[y0 * (grid + 1) + x0 + 1] * fx;
                    float bottom = coarse[(y0 + 1) * (grid + 1) + x0] * (1 - fx) + coarse[(y0 + 1) * (grid + 1) + x0 + 1] * fx;
                    float noise = ((float)random.NextDouble() - 0.5f) * 16f;
                    image[(c * height + y) * width + x] = Math.Clamp(top * (1 - fy) + bottom * fy + noise, 0f, 255f);
                }
            }
        }

        return image;
    }
}
