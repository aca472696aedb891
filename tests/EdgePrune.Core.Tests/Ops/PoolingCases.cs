using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Ops;

/// <summary>Seeded random window attributes shared by the MaxPool and AveragePool tests.</summary>
internal static class PoolingCases
{
    public static (Tensor X, Dictionary<string, AttributeValue> Attributes) Random(int seed, bool dilations)
    {
        var random = new Random(seed);
        int spatialRank = seed % 7 == 6 ? 3 : 1 + seed % 2;
        string autoPad = new[] { "NOTSET", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID" }[random.Next(6)];
        var kernel = Enumerable.Range(0, spatialRank).Select(_ => random.Next(1, 4)).ToArray();
        // ONNX Runtime's pooling refuses the negative SAME padding that strides longer than the kernel imply.
        var strides = Enumerable.Range(0, spatialRank).Select(i => random.Next(1, autoPad.StartsWith("SAME") ? kernel[i] + 1 : 4)).ToArray();
        var dilation = Enumerable.Range(0, spatialRank).Select(_ => dilations && autoPad == "NOTSET" ? random.Next(1, 3) : 1).ToArray();
        // ONNX requires each pad to be smaller than the kernel, so no window lies wholly in the padding.
        var pads = Enumerable.Range(0, 2 * spatialRank).Select(i => random.Next(0, kernel[i % spatialRank])).ToArray();
        var size = Enumerable.Range(0, spatialRank).Select(i => (kernel[i] - 1) * dilation[i] + 1 + random.Next(0, spatialRank == 3 ? 4 : 9)).ToArray();
        var attributes = SingleNode.Attrs(("kernel_shape", kernel), ("strides", strides), ("auto_pad", autoPad));
        if (autoPad == "NOTSET")
        {
            attributes["pads"] = AttributeValue.Of(pads.Select(p => (long)p).ToArray());
            attributes["ceil_mode"] = AttributeValue.Of((long)random.Next(2));
        }

        if (dilations)
        {
            attributes["dilations"] = AttributeValue.Of(dilation.Select(d => (long)d).ToArray());
        }

        return (TestTensors.Uniform(random, [random.Next(1, 3), random.Next(1, 4), .. size]), attributes);
    }
}
