using System.Numerics.Tensors;

namespace EdgePrune.Runtime.Kernels;

/// <summary>Elementwise activations (fp32), Softmax, and the int8 clamps a Relu/Clip with equal input and output quantization reduces to.</summary>
public static class Activations
{
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    public static void Clip(ReadOnlySpan<float> x, Span<float> y, float min, float max)
    {
        x.CopyTo(y);
        FullyConnectedFloat.Clamp(y, min, max);
    }

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);

    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

    public static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] >= 0 ? x[i] : x[i] * alpha;
        }
    }

    public static void ClampInt8(ReadOnlySpan<sbyte> x, Span<sbyte> y, int min, int max)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (sbyte)Math.Clamp(x[i], min, max);
        }
    }

    /// <summary>Softmax over the middle axis of [outer, axis, inner], max-subtracted as ONNX Runtime computes it.</summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y, int outer, int axis, int inner)
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var row = x.Slice(o * axis, axis);
                var result = y.Slice(o * axis, axis);
                TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), result);
                TensorPrimitives.Exp(result, result);
                TensorPrimitives.Divide(result, TensorPrimitives.Sum(result), result);
            }

            return;
        }

        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = (o * axis * inner) + i;
                float max = float.NegativeInfinity;
                for (int a = 0; a < axis; a++)
                {
                    max = MathF.Max(max, x[start + (a * inner)]);
                }

                float sum = 0;
                for (int a = 0; a < axis; a++)
                {
                    float e = MathF.Exp(x[start + (a * inner)] - max);
                    y[start + (a * inner)] = e;
                    sum += e;
                }

                for (int a = 0; a < axis; a++)
                {
                    y[start + (a * inner)] /= sum;
                }
            }
        }
    }
}
