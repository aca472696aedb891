using EdgePrune.Compression.Quantization;
using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Tests.Quantization;

/// <summary>Calibration ranges against hand-computed statistics of hand-made data, and its errors.</summary>
public class CalibrationTests
{
    /// <summary>y = Relu(x·1) through a 1×1 Gemm: the calibrated tensors are x and y.</summary>
    private static Graph Identity()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 4);
        var y = b.Op("Gemm", [x, b.Initializer("w", Tensor.FromArray(new float[] { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 }, 4, 4))]);
        b.Output(y);
        return b.Build();
    }

    private static Tensor Rows(params float[][] rows) => Tensor.FromArray(rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);

    [Fact]
    public void MinMax_takes_the_observed_extremes_and_counts_the_samples_that_widened_them()
    {
        var samples = Rows([0, 1, 2, 3], [-1, 0, 1, 2], [0, 0, 0, 0], [1, 1, 5, 1], [2, 2, 2, 2]);
        var result = Calibrator.Calibrate(Identity(), samples, ["x"], new CalibrationOptions());
        var x = result.Ranges["x"];
        Assert.Equal(-1f, x.Min);
        Assert.Equal(5f, x.Max);
        // Sample 0 sets the range, 1 lowers the min, 3 raises the max; 2 and 4 lie inside.
        Assert.Equal(3, x.SamplesThatWidened);
        Assert.Equal(3, result.SamplesThatChangedRanges);
        Assert.Equal(5, result.Samples);
    }

    [Fact]
    public void Percentile_clips_a_rare_outlier()
    {
        // 10 000 values spread over [0, 1) and one at 100: the 99.9th percentile ignores the outlier.
        var values = Enumerable.Range(0, 10000).Select(i => i / 10000f).Append(100f).Append(0.5f).Append(0.5f).Append(0.5f).ToArray();
        var samples = Tensor.FromArray(values, values.Length / 4, 4);
        var result = Calibrator.Calibrate(Identity(), samples, ["x"], new CalibrationOptions { Method = CalibrationMethod.Percentile, Percentile = 99.9, MaxSamples = int.MaxValue });
        var x = result.Ranges["x"];
        Assert.Equal(100f, x.ObservedMax);
        Assert.InRange(x.Max, 0.99f, 1.1f); // a 2048-bin histogram of [0, 100] has 0.049-wide bins
        Assert.Equal(0f, x.Min);
    }

    [Fact]
    public void Entropy_trades_a_rare_outlier_for_resolution()
    {
        const CalibrationMethod method = CalibrationMethod.Entropy;
        var random = new Random(7);
        var values = Enumerable.Range(0, 40000).Select(_ => (float)(random.NextDouble() * 2 - 1) * (float)random.NextDouble()).ToArray();
        values[123] = 12f; // one outlier 12× the bulk
        var samples = Tensor.FromArray(values, values.Length / 4, 4);
        var x = Calibrator.Calibrate(Identity(), samples, ["x"], new CalibrationOptions { Method = method, MaxSamples = 10000 }).Ranges["x"];
        Assert.Equal(12f, x.ObservedMax);
        Assert.True(x.Max < 6f, $"{method} kept the outlier: range [{x.Min}, {x.Max}]");
        Assert.True(x.Max >= 1f / 8 * 12f - 1e-3, $"{method} range below the searched shrinkings: {x.Max}");
        Assert.True(x.Min < -0.5f, $"{method} clipped the bulk's lower side: {x.Min}");
    }

    [Fact]
    public void Mse_range_quantizes_heavy_tailed_data_with_less_error_than_min_max()
    {
        // Laplace(0, 1) values: long tails make min-max waste resolution; the error is measured on the raw values.
        var random = new Random(11);
        var values = Enumerable.Range(0, 40000).Select(_ =>
        {
            double u = random.NextDouble() - 0.5;
            return (float)(-Math.Sign(u) * Math.Log(1 - 2 * Math.Abs(u)));
        }).ToArray();
        var samples = Tensor.FromArray(values, values.Length / 4, 4);
        var options = new CalibrationOptions { Method = CalibrationMethod.Mse, MaxSamples = int.MaxValue };
        var x = Calibrator.Calibrate(Identity(), samples, ["x"], options).Ranges["x"];
        Assert.True(x.Max < x.ObservedMax && x.Min > x.ObservedMin, $"MSE kept the full range [{x.Min}, {x.Max}]");

        static double Error(float[] values, float lo, float hi)
        {
            var q = TensorQuantization.Activation(lo, hi);
            return values.Sum(v => Math.Pow(v - q.Dequantize(q.Quantize(v)), 2));
        }

        double mse = Error(values, x.Min, x.Max);
        double minMax = Error(values, x.ObservedMin, x.ObservedMax);
        Assert.True(mse < minMax, $"MSE range error {mse:G4} vs min-max {minMax:G4}");
    }

    [Fact]
    public void Expected_squared_error_is_zero_for_values_on_the_grid()
    {
        var h = new Histogram(0, 255, 255); // bin b centred at b + 0.5; grid of [0, 255] has step 1 with zero point −128
        h.Add([0.5f, 10.5f]);
        // Each centre c = k + 0.5 rounds to a neighbour: error 0.25 per value (ties to even either way).
        Assert.Equal(0.5, RangeSearch.ExpectedSquaredError(h, 0, 255), 6);
    }

    [Fact]
    public void Missing_calibration_data_is_an_error_that_says_what_to_pass()
    {
        var e = Assert.Throws<EdgePruneException>(() => Quantizer.Quantize(Identity(), null, new QuantizationOptions()));
        Assert.Contains("calibration data", e.Message);
        Assert.Contains("--calib", e.Message);
    }

    [Fact]
    public void NaN_in_calibration_data_is_an_error_naming_the_data_and_the_index()
    {
        var data = Tensor.FromArray(new float[] { 0, 1, float.NaN, 3, 4, 5, 6, 7 }, 2, 4);
        var e = Assert.Throws<EdgePruneException>(() => CalibrationData.ForInput(Identity(), data, "calib.npy"));
        Assert.StartsWith("calib.npy", e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.Contains("index 2", e.Message);
    }

    [Fact]
    public void Calibration_data_of_the_wrong_shape_is_an_error_naming_the_data_and_the_input()
    {
        var data = Tensor.FromArray(new float[15], 3, 5);
        var e = Assert.Throws<EdgePruneException>(() => CalibrationData.ForInput(Identity(), data, "calib.npy"));
        Assert.StartsWith("calib.npy", e.Message);
        Assert.Contains("input 'x'", e.Message);
        Assert.Contains("[3, 5]", e.Message);
    }

    [Fact]
    public void Empty_calibration_data_is_an_error_naming_the_data()
    {
        var e = Assert.Throws<EdgePruneException>(() => CalibrationData.ForInput(Identity(), Tensor.FromArray(Array.Empty<float>(), 0, 4), "calib.npy"));
        Assert.StartsWith("calib.npy", e.Message);
        Assert.Contains("no samples", e.Message);
    }

    [Fact]
    public void Uint8_images_are_scaled_to_unit_range_and_reshaped_to_the_input()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 1, 2, 2);
        b.Output(b.Op("Relu", [x]));
        var images = Tensor.FromArray(new byte[] { 0, 255, 51, 102, 0, 0, 0, 255 }, 2, 2, 2);
        var samples = CalibrationData.ForInput(b.Build(), images, "images.idx");
        Assert.Equal(new[] { 2, 1, 2, 2 }, samples.Shape.ToArray());
        // 51 and 102 times the float 1/255 land one ulp above 0.2 and 0.4 (the convention training uses too).
        Assert.Equal(new[] { 0f, 1f, MathF.BitIncrement(0.2f), MathF.BitIncrement(0.4f), 0, 0, 0, 1f }, samples.Span<float>().ToArray());
    }
}

/// <summary>Training, calibration and evaluation must see a uint8 digit as the same floats: every byte times the float 1/255.</summary>
public class PixelScalingTests
{
    [Fact]
    public void Calibration_training_and_evaluation_turn_every_byte_value_into_the_same_float()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var data = Tensor.FromArray(bytes, 1, 256);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 256);
        b.Output(b.Op("Relu", [x]));
        var graph = b.Build();

        var calibration = CalibrationData.ForInput(graph, data, "bytes").Span<float>().ToArray();
        var training = EdgePrune.Training.Data.Dataset.FromTensors(data, null, "bytes").Sample(0).ToArray();
        var evaluation = EdgePrune.Core.Data.ModelInputs.Fit(data, graph.Inputs[0], "bytes").Span<float>().ToArray();

        // Oracle: byte × float(1/255) is exact in double (8 × 24 significant bits), so one rounding to float gives the
        // correctly rounded product; every value is also within one ulp of the quotient v / 255.
        var expected = bytes.Select(v => (float)(v * (double)(1f / 255f))).ToArray();
        Assert.All(bytes, v => Assert.True(Math.Abs(expected[v] - (float)(v / 255.0)) <= MathF.BitIncrement((float)(v / 255.0)) - (float)(v / 255.0)));
        Assert.Equal(expected, calibration);
        Assert.Equal(expected, training);
        Assert.Equal(expected, evaluation);
    }
}
