using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Ops;

/// <summary>Seeded random broadcastable shape pairs for the binary elementwise op tests.</summary>
internal static class BinaryCases
{
    public static (int[] A, int[] B) Shapes(Random random)
    {
        int rank = random.Next(0, 5);
        var full = Enumerable.Range(0, rank).Select(_ => random.Next(1, 5)).ToArray();
        int[] Derive() => full.Skip(random.Next(0, rank + 1)).Select(d => random.Next(3) == 0 ? 1 : d).ToArray();
        return random.Next(2) == 0 ? (full, Derive()) : (Derive(), full);
    }

    public static Tensor Int64(Random random, int[] shape, bool nonZero)
    {
        var data = new long[Tensor.ElementCountOf(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            do
            {
                data[i] = random.Next(-50, 51);
            }
            while (nonZero && data[i] == 0);
        }

        return Tensor.FromArray(data, shape);
    }

    public static Tensor Float(Random random, int[] shape, bool awayFromZero) => awayFromZero
        ? Tensor.FromArray(TestTensors.Uniform(random, shape, 0.5f, 2f).ToFloatArray().Select(v => random.Next(2) == 0 ? v : -v).ToArray(), shape)
        : TestTensors.Uniform(random, shape);
}
