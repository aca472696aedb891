using EdgePrune.Compression.Quantization;
using EdgePrune.Runtime.Format;
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
    public void Storage_is_the_writers_smallest_encoding_with_hand_counted_bytes()
    {
        // 4 output channels × 100 inputs, 90 % zeros: row r keeps columns 0, 10, …, 90 (40 non-zeros). docs/format.md,
        // sizes with each range aligned to 16 B: dense 400; bitmask 50 + 40 (64 + 48); CSR8 pointers 5·4 + 40 + 40
        // (32 + 48 + 48); 4×1 blocks: the 10 kept columns are one block each, pointers 2·4 + columns 10·2 + values 40
        // = 68 (16 + 32 + 48 = 96 aligned), the smallest; 1:4 needs 25 B of positions + 100 values.
        var w = new float[400];
        for (int i = 0; i < 400; i += 10)
        {
            w[i] = i % 20 == 0 ? 1f : -0.5f;
        }

        var q = QuantizedWeights.Symmetric("w", w, [4, 100], axis: 0, bits: 8);
        var storage = LayerStorage.Of("fc", q, hasBias: true);
        Assert.Equal(40, storage.NonZeros);
        Assert.Equal(WeightEncoding.BlockSparse, storage.Encoding);
        Assert.Equal(68, storage.WeightBytes);
        Assert.Equal(32, storage.ParameterBytes); // 4 scales + 4 int32 biases

        // 4-bit values still travel as int8 in the sparse encodings; packed int4 (200 B, 208 aligned) loses to the blocks.
        var q4 = QuantizedWeights.Symmetric("w", w, [4, 100], axis: 0, bits: 4);
        var storage4 = LayerStorage.Of("fc", q4, hasBias: false);
        Assert.Equal(WeightEncoding.BlockSparse, storage4.Encoding);
        Assert.Equal(68, storage4.WeightBytes);

        // Two non-zeros (row 0 column 0, row 3 column 99): 4×1 blocks cost 8 + 2·2 + 2·4 = 20 B (48 aligned), CSR8 24 (64).
        var sparser = new float[400];
        sparser[0] = 1f;
        sparser[399] = 1f;
        var s = LayerStorage.Of("fc", QuantizedWeights.Symmetric("w", sparser, [4, 100], 0, 8), false);
        Assert.Equal(WeightEncoding.BlockSparse, s.Encoding);
        Assert.Equal(20, s.WeightBytes);

        // Dense int4: packed two per byte.
        var full = QuantizedWeights.Symmetric("w", [.. Enumerable.Range(1, 400).Select(i => (float)(i % 7 + 1))], [4, 100], 0, 4);
        var packed = LayerStorage.Of("fc", full, false);
        Assert.Equal(WeightEncoding.Int4, packed.Encoding);
        Assert.Equal(200, packed.WeightBytes);
    }

    [Fact]
    public void Storage_of_a_transposed_Gemm_weight_is_what_the_epb_writer_stores()
    {
        // Gemm weights [K = 6, N = 4] (transB = 0), per output channel along axis 1: the writer encodes [N, K].
        var random = new Random(3);
        var w = Enumerable.Range(0, 24).Select(i => i % 5 == 0 ? (float)(random.NextDouble() + 0.5) : 0f).ToArray();
        var q = QuantizedWeights.Symmetric("w", w, [6, 4], axis: 1, bits: 8);
        var storage = LayerStorage.Of("fc", q, hasBias: false);
        var transposed = new byte[24];
        for (int k = 0; k < 6; k++)
        {
            for (int n = 0; n < 4; n++)
            {
                transposed[n * 6 + k] = (byte)q.Values[k * 4 + n];
            }
        }

        var expected = EdgePrune.Export.Epb.WeightEncoder.Choose(transposed, 1, 4, null, allowSparse: true);
        Assert.Equal(expected.Encoding, storage.Encoding);
        Assert.Equal(expected.Bytes, storage.WeightBytes);
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
    [InlineData(WeightPrecision.Int8)]
    [InlineData(WeightPrecision.Int4)]
    public void A_90_percent_sparse_LeNet_300_100_stores_the_hand_counted_bytes(WeightPrecision precision)
    {
        // Gemm weights [K, N], every 10th weight kept (±1 or ±0.5), biases kept. The writer encodes [N, K]; as N is a
        // multiple of 10, the kept weights are the whole rows n = 0, 10, 20, … (docs/format.md sizes, ranges aligned to 16 B):
        //   784×300: 30 dense rows of 784; 1×8 blocks: pointers 301·4 + 2940 block columns·2 + 23520 = 30604
        //            (bitmask 29400 + 23520 = 52920; 1×4 blocks 1204 + 11760 + 23520 = 36484)
        //   300×100: 10 dense rows of 300 (300 is no multiple of 8); 1×4 blocks: 101·4 + 750·2 + 3000 = 4904 (bitmask 6750)
        //   100×10:  row 0 dense; 1×4 blocks: 11·4 + 25·2 + 100 = 194 (bitmask 125 + 100 = 225, CSR8 44 + 100 + 100 = 244)
        // plus 4 B scale and 4 B bias per channel, 410·8 = 3280: 38982 bytes. int4 weights are the same: the sparse
        // encodings hold int8 values, and packed int4 (117600 + 15000 + 500) is larger.
        const long expectedBytes = 30604 + 4904 + 194 + 3280;
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
        Assert.All(report.Layers.Where(l => l.Storage is not null), l => Assert.Equal(WeightEncoding.BlockSparse, l.Storage!.Encoding));
    }
}
