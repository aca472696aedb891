using EdgePrune.Core.Ir;

namespace EdgePrune.TestSupport;

/// <summary>Seeded random tensors for property tests.</summary>
public static class TestTensors
{
    public static Tensor Uniform(Random random, int[] shape, float low = -1f, float high = 1f)
    {
        var data = new float[Tensor.ElementCountOf(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = low + (float)random.NextDouble() * (high - low);
        }

        return Tensor.FromArray(data, shape);
    }
}
