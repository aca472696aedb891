using EdgePrune.Compression.Quantization;
using EdgePrune.TestSupport;

namespace EdgePrune.Compression.Tests.Quantization;

/// <summary>Per-channel symmetric weights, int4 packing and sparse storage sizes, against hand-computed values.</summary>
public class WeightQuantizationTests
{
    [Fact]
    public void Per_channel_int8_weights_use_max_abs_over_127_and_keep_zeros_exact()
    {
        // Channel 0: max |w| 2.54 → scale 0.02; channel 1 all zero (pruned) → scale 1, values 0.
        float[] w = [2.54f, -1.3f, 0f, 0.009f, 0f, 0f, 0f, 0f];
        var q = QuantizedWeights.Symmetric("w", w, [2, 4], axis: 0, bits: 8);
        Assert.Equal(0.02f, q.Quantization.Scales[0], 6);
        Assert.Equal(1f, q.Quantization.Scales[1]);
        Assert.Equal(new sbyte[] { 127, -65, 0, 0, 0, 0, 0, 0 }, q.Values); // −1.3/0.02 = −65, 0.009/0.02 = 0.45 → 0
        Assert.All(q.Quantization.ZeroPoints, zp => Assert.Equal(0, zp));
    }

    [Fact]
    public void Weights_of_a_MatMul_are_quantized_per_column()
    {
        float[] w = [1f, -8f, 0.3f, 4.4f]; // [K=2, N=2]: column 0 = {1, 0.3}, column 1 = {−8, 4.4}
        var q = QuantizedWeights.Symmetric("w", w, [2, 2], axis: 1, bits: 4);
        Assert.Equal(new[] { 1f / 7, 8f / 7 }, q.Quantization.Scales);
        Assert.Equal(4, q.Bits);
        Assert.Equal(new sbyte[] { 7, -7, 2, 4 }, q.Values); // 0.3·7 = 2.1 → 2, 4.4·7/8 = 3.85 → 4
    }

    [Fact]
    public void Int4_values_pack_two_per_byte_low_nibble_first()
    {
        var q = QuantizedWeights.Symmetric("w", [7f, -7f, 1f, 0f, -1f], [1, 5], axis: 0, bits: 4);
        Assert.Equal(new sbyte[] { 7, -7, 1, 0, -1 }, q.Values);
        var packed = q.PackInt4();
        Assert.Equal(new byte[] { 0x97, 0x01, 0x0F }, packed); // −7 = 0x9, −1 = 0xF
        Assert.Equal(q.Values, QuantizedWeights.UnpackInt4(packed, 5));
    }

    [Fact]
    public void Storage_picks_the_smallest_encoding_with_hand_counted_bytes()
    {
        // 4 output channels × 100 inputs, 90 % zeros: 40 non-zeros.
        var w = new float[400];
        for (int i = 0; i < 400; i += 10)
        {
            w[i] = i % 20 == 0 ? 1f : -0.5f;
        }

        var q = QuantizedWeights.Symmetric("w", w, [4, 100], axis: 0, bits: 8);
        var storage = LayerStorage.Of("fc", q, hasBias: true);
        // dense 400; bitmask 50 + 40 = 90; CSR8: 5 row pointers·2 + 40 indices + 40 values = 90 → ties go to bitmask (listed first).
        Assert.Equal(40, storage.NonZeros);
        Assert.Equal(SparseEncoding.Bitmask, storage.Encoding);
        Assert.Equal(90, storage.WeightBytes);
        Assert.Equal(32, storage.ParameterBytes); // 4 scales + 4 int32 biases

        var q4 = QuantizedWeights.Symmetric("w", w, [4, 100], axis: 0, bits: 4);
        var storage4 = LayerStorage.Of("fc", q4, hasBias: false);
        // dense 200; bitmask 50 + 20 = 70; CSR8 10 + 40 + 20 = 70 → bitmask.
        Assert.Equal(70, storage4.WeightBytes);

        var sparser = new float[400];
        sparser[0] = 1f;
        sparser[399] = 1f;
        var s = LayerStorage.Of("fc", QuantizedWeights.Symmetric("w", sparser, [4, 100], 0, 8), false);
        // dense 400; bitmask 50 + 2; CSR8 10 + 2 + 2 = 14.
        Assert.Equal(SparseEncoding.Csr8, s.Encoding);
        Assert.Equal(14, s.WeightBytes);
    }

    [Fact]
    public void Pruned_weights_stay_zero_through_quantization_and_the_QDQ_file()
    {
        var random = new Random(5);
        var graph = TestGraphs.Mlp(random);
        var pruned = graph with
        {
            Initializers = graph.Initializers.SetItems(graph.Initializers
                .Where(kv => kv.Key.StartsWith('w'))
                .Select(kv => new KeyValuePair<string, Core.Ir.Tensor>(kv.Key, Core.Ir.Tensor.FromArray(
                    kv.Value.ToFloatArray().Select((v, i) => i % 10 == 0 ? v : 0f).ToArray(), kv.Value.Shape.ToArray())))),
        };
        var model = Quantizer.Quantize(pruned, TestGraphs.Samples(random, 8, [20]), new QuantizationOptions());
        var qdq = QdqExporter.ToGraph(model);
        foreach (var step in model.Steps.Where(s => s.Weights is not null))
        {
            var original = pruned.Initializers[step.Node.Inputs[1]].ToFloatArray();
            var stored = qdq.Initializers[step.Weights!.Name + "_quantized"].Span<sbyte>();
            for (int i = 0; i < original.Length; i++)
            {
                Assert.True(original[i] != 0 || stored[i] == 0, $"{step.Weights.Name}[{i}] was pruned but is stored as {stored[i]}");
            }
        }
    }

    [Theory]
    [InlineData(WeightPrecision.Int8, 63172)]
    [InlineData(WeightPrecision.Int4, 49862)]
    public void A_90_percent_sparse_LeNet_300_100_stores_the_hand_counted_bytes(WeightPrecision precision, long expectedBytes)
    {
        // Gemm weights [K, N] (axis 1 = N output channels), every 10th weight kept (±1 or ±0.5), biases kept.
        // int8, per layer (weights + 4 B scale and 4 B bias per channel):
        //   784×300: bitmask 29400 + 23520 = 52920 (CSR16 602 + 47040 + 23520 = 71162) + 2400
        //   300×100: bitmask 3750 + 3000 = 6750 (CSR16 202 + 6000 + 3000 = 9202) + 800
        //   100×10:  CSR8 22 + 100 + 100 = 222 (bitmask 125 + 100 = 225) + 80          → 63172
        // int4: 29400 + 11760 = 41160; 3750 + 1500 = 5250; CSR8 22 + 100 + 50 = 172   → 49862
        var random = new Random(300);
        var b = new Core.Ir.GraphBuilder(opset: 13);
        var h = b.Input("x", Core.Ir.DataType.Float, Core.Ir.Dim.Named("N"), 784);
        int[] widths = [784, 300, 100, 10];
        for (int l = 0; l < 3; l++)
        {
            var w = new float[widths[l] * widths[l + 1]];
            for (int i = 0; i < w.Length; i += 10)
            {
                w[i] = (i / 10 % 2 == 0 ? 1f : -0.5f) * (random.Next(2) * 2 - 1);
            }

            h = b.Op("Gemm", [h, b.Initializer($"w{l}", Core.Ir.Tensor.FromArray(w, widths[l], widths[l + 1])), b.Initializer($"b{l}", TestTensors.Uniform(random, [widths[l + 1]], -0.1f, 0.1f))]);
            if (l < 2)
            {
                h = b.Op("Relu", [h]);
            }
        }

        b.Output(h);
        var model = Quantizer.Quantize(b.Build(), TestGraphs.Samples(random, 4, [784], 0f, 1f), new QuantizationOptions { Weights = precision });
        var report = QuantizationReport.Create(model, TestGraphs.Samples(random, 2, [784], 0f, 1f));
        Assert.Equal(266610L * 4, report.Fp32WeightBytes);
        Assert.Equal(expectedBytes, report.QuantizedWeightBytes);
        Assert.Equal([SparseEncoding.Bitmask, SparseEncoding.Bitmask, SparseEncoding.Csr8], report.Layers.Where(l => l.Storage is not null).Select(l => l.Storage!.Encoding));
    }
}
