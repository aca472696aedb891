using EdgePrune.Cli;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime.Format;

namespace EdgePrune.Export.Tests;

/// <summary>
/// The writer's choice between a weight's exact encodings, smallest or fastest (<see cref="EncodingGoal"/>), on matrices
/// whose bytes (docs/format.md, ranges aligned to 16) and estimated instructions (<see cref="WeightEncoderCost"/>'s
/// per-row and per-block constants) are worked out by hand in each test.
/// </summary>
public sealed class WeightEncoderGoalTests
{
    [Fact]
    public void Half_kept_1x4_blocks_are_smallest_as_a_bitmask_and_fastest_as_blocks()
    {
        // [4, 300] int8, every other 1×4 block kept: 600 values. Bitmask: 150 mask + 600 values -> 160 + 608 = 768 B,
        // 7·600 + 6·38 words + (60 + 64)·4 rows = 4,924 instructions. Block 1×4: 20 B row pointers, 150 × 2 B columns,
        // 600 values -> 32 + 304 + 608 = 944 B, 11·150 + 60·4 = 1,890. Dense: 1,200 B, 1.5625·1,200 + 240 = 2,115.
        var raw = new byte[4 * 300];
        for (int i = 0; i < raw.Length; i++)
        {
            raw[i] = (i / 4) % 2 == 0 ? (byte)(1 + (i % 7)) : (byte)0;
        }

        var smallest = WeightEncoder.Choose(raw, 1, 4, null, allowSparse: true, EncodingGoal.Size);
        var fastest = WeightEncoder.Choose(raw, 1, 4, null, allowSparse: true, EncodingGoal.Speed);

        Assert.Equal(WeightEncoding.Bitmask, smallest.Encoding);
        Assert.Equal(750, smallest.Bytes);
        Assert.Equal((WeightEncoding.BlockSparse, 1, 4, 150), (fastest.Encoding, fastest.P0, fastest.P1, fastest.StoredCount));
        Assert.Equal(20 + 300 + 600, fastest.Bytes);
        Assert.Equal(1_890, WeightEncoderCost.Instructions(fastest, 4, 300));
        Assert.Equal(4_924, WeightEncoderCost.Instructions(smallest, 4, 300));
    }

    [Fact]
    public void Speed_keeps_a_mostly_nonzero_matrix_dense()
    {
        // [8, 64] with one zero in four: the bitmask (64 + 384 B) is smaller than 3:4 (96 + 384 B) and dense (512 B)
        // but costs 7·384 + 6·16 + 124·8 = 3,776 instructions against dense's 1.5625·512 + 60·8 = 1,280.
        var raw = Enumerable.Range(0, 8 * 64).Select(i => i % 4 == 3 ? (byte)0 : (byte)(i % 5 + 1)).ToArray();

        Assert.Equal(WeightEncoding.Bitmask, WeightEncoder.Choose(raw, 1, 8, null, allowSparse: true, EncodingGoal.Size).Encoding);
        Assert.Equal(WeightEncoding.Dense, WeightEncoder.Choose(raw, 1, 8, null, allowSparse: true, EncodingGoal.Speed).Encoding);
    }

    [Fact]
    public void Speed_never_takes_an_encoding_larger_than_dense()
    {
        // [1, 8] with one nonzero: CSR8 is rated faster (60 + 11 = 71 against 60 + 12.5) but takes three aligned ranges
        // (48 B) against dense's 16 B, so dense it stays.
        byte[] raw = [0, 0, 0, 5, 0, 0, 0, 0];
        var csr8 = WeightEncoder.Candidates(raw, 1, 1, null, allowSparse: true).Single(c => c.Encoding == WeightEncoding.Csr8);
        Assert.True(WeightEncoderCost.Instructions(csr8, 1, 8) < WeightEncoderCost.Instructions(WeightEncoder.Dense(raw), 1, 8));

        Assert.Equal(WeightEncoding.Dense, WeightEncoder.Choose(raw, 1, 1, null, allowSparse: true, EncodingGoal.Speed).Encoding);
    }

    [Fact]
    public void Export_optimize_speed_reports_the_faster_encoding_and_rejects_other_goals()
    {
        // Gemm weights [K = 300, N = 4] are written [N, K]: the matrix of the first test, every other 1×4 block kept.
        var weights = new float[300 * 4];
        for (int n = 0; n < 4; n++)
        {
            for (int k = 0; k < 300; k++)
            {
                weights[(k * 4) + n] = (((n * 300) + k) / 4) % 2 == 0 ? 0.5f + (k % 7) : 0f;
            }
        }

        var builder = new GraphBuilder(17, "blocks");
        string x = builder.Input("x", DataType.Float, 1, 300);
        builder.Output(builder.Op("Gemm", [x, builder.Initializer("w", Tensor.FromArray(weights, 300, 4))]));
        string dir = CToolchain.NewDirectory("optimize");
        string model = Path.Combine(dir, "blocks.onnx");
        OnnxExporter.Save(new Model { Graph = builder.Build() }, model);

        var size = new StringWriter();
        var speed = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, CommandLine.Run(["export", model, "-o", Path.Combine(dir, "size.epb")], size, stderr));
        Assert.Equal(0, CommandLine.Run(["export", model, "-o", Path.Combine(dir, "speed.epb"), "--optimize", "speed"], speed, stderr));
        Assert.Contains(" Bitmask ", size.ToString(), StringComparison.Ordinal);
        Assert.Contains(" BlockSparse ", speed.ToString(), StringComparison.Ordinal);

        Assert.Equal(2, CommandLine.Run(["export", model, "-o", Path.Combine(dir, "fast.epb"), "--optimize", "fast"], new StringWriter(), stderr));
        Assert.False(File.Exists(Path.Combine(dir, "fast.epb")));
    }
}
