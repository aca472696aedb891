using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary>
/// A digit classifier built without a training loop, so the quantize command meets real MNIST data: a conv layer
/// of random 5×5 filters (stride 3) → Relu → Flatten → Gemm whose weights are the ridge least-squares fit of one-hot
/// labels on those features (normal equations, Cholesky), over the first 2000 training digits.
/// </summary>
internal static class QuantizeTestModels
{
    public static string MnistFile(string name) => RepositoryPaths.Mnist(name);

    public static Graph LeastSquaresDigits()
    {
        const int Filters = 8, Kernel = 5, Stride = 3, Side = 8, Samples = 2000, Classes = 10;
        var random = new Random(28);
        var filters = new float[Filters * Kernel * Kernel];
        for (int i = 0; i < filters.Length; i++)
        {
            filters[i] = (float)(random.NextDouble() * 2 - 1) / Kernel;
        }

        var filterBias = Enumerable.Range(0, Filters).Select(_ => (float)(random.NextDouble() * 0.2 - 0.1)).ToArray();
        var images = DataFiles.Load(MnistFile("train-images-idx3-ubyte.gz")).Span<byte>();
        var labels = DataFiles.Load(MnistFile("train-labels-idx1-ubyte.gz")).ToInt64Array();
        int features = Filters * Side * Side + 1; // + a constant feature standing for the bias
        var x = new double[Samples, features];
        for (int s = 0; s < Samples; s++)
        {
            for (int f = 0; f < Filters; f++)
            {
                for (int oy = 0; oy < Side; oy++)
                {
                    for (int ox = 0; ox < Side; ox++)
                    {
                        double acc = filterBias[f];
                        for (int ky = 0; ky < Kernel; ky++)
                        {
                            for (int kx = 0; kx < Kernel; kx++)
                            {
                                acc += filters[(f * Kernel + ky) * Kernel + kx] * (images[s * 784 + (oy * Stride + ky) * 28 + ox * Stride + kx] / 255.0);
                            }
                        }

                        x[s, (f * Side + oy) * Side + ox] = Math.Max(0, acc);
                    }
                }
            }

            x[s, features - 1] = 1;
        }

        // (XᵀX + λI) W = XᵀY, solved by Cholesky.
        var a = new double[features, features];
        var rhs = new double[features, Classes];
        for (int s = 0; s < Samples; s++)
        {
            for (int i = 0; i < features; i++)
            {
                double xi = x[s, i];
                if (xi == 0)
                {
                    continue;
                }

                for (int j = 0; j <= i; j++)
                {
                    a[i, j] += xi * x[s, j];
                }

                rhs[i, labels[s]] += xi;
            }
        }

        for (int i = 0; i < features; i++)
        {
            a[i, i] += 1.0;
        }

        for (int j = 0; j < features; j++)
        {
            double d = a[j, j];
            for (int k = 0; k < j; k++)
            {
                d -= a[j, k] * a[j, k];
            }

            a[j, j] = Math.Sqrt(d);
            for (int i = j + 1; i < features; i++)
            {
                double v = a[i, j];
                for (int k = 0; k < j; k++)
                {
                    v -= a[i, k] * a[j, k];
                }

                a[i, j] = v / a[j, j];
            }
        }

        var w = new double[features, Classes];
        for (int c = 0; c < Classes; c++)
        {
            var y = new double[features];
            for (int i = 0; i < features; i++)
            {
                double v = rhs[i, c];
                for (int k = 0; k < i; k++)
                {
                    v -= a[i, k] * y[k];
                }

                y[i] = v / a[i, i];
            }

            for (int i = features - 1; i >= 0; i--)
            {
                double v = y[i];
                for (int k = i + 1; k < features; k++)
                {
                    v -= a[k, i] * w[k, c];
                }

                w[i, c] = v / a[i, i];
            }
        }

        var gemmWeights = new float[(features - 1) * Classes];
        for (int i = 0; i < features - 1; i++)
        {
            for (int c = 0; c < Classes; c++)
            {
                gemmWeights[i * Classes + c] = (float)w[i, c];
            }
        }

        var gemmBias = Enumerable.Range(0, Classes).Select(c => (float)w[features - 1, c]).ToArray();
        var b = new GraphBuilder(opset: 13, name: "lstsq_digits");
        var input = b.Input("image", DataType.Float, Dim.Named("N"), 1, 28, 28);
        var h = b.Op("Conv", [input, b.Initializer("filters", Tensor.FromArray(filters, Filters, 1, Kernel, Kernel)), b.Initializer("filter_bias", Tensor.FromArray(filterBias, Filters))],
            new Dictionary<string, AttributeValue> { ["strides"] = AttributeValue.Of(new long[] { Stride, Stride }) });
        h = b.Op("Relu", [h]);
        h = b.Op("Flatten", [h]);
        var logits = b.Op("Gemm", [h, b.Initializer("w", Tensor.FromArray(gemmWeights, features - 1, Classes)), b.Initializer("b", Tensor.FromArray(gemmBias, Classes))]);
        b.Output(logits);
        return b.Build();
    }
}
