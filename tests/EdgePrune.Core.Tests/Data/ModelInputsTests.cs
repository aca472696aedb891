using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Data;

public sealed class ModelInputsTests
{
    private static readonly ValueInfo ImageInput = new("image", new TensorType(DataType.Float, [Dim.Named("N"), 1, 28, 28]));

    [Fact]
    public void Idx_digits_feed_an_image_input_one_sample_per_row_scaled_to_the_unit_interval()
    {
        var digits = Tensor.FromArray(Enumerable.Range(0, 2 * 28 * 28).Select(i => (byte)(i % 251)).ToArray(), 2, 28, 28);

        var feed = ModelInputs.Fit(digits, ImageInput, "digits.idx");

        Assert.Equal([2, 1, 28, 28], feed.Shape.ToArray());
        Assert.Equal(DataType.Float, feed.DataType);
        Assert.Equal(250f * (1f / 255f), feed.Span<float>()[250]);
        Assert.Equal(0f, feed.Span<float>()[251]);
    }

    [Fact]
    public void Data_matching_the_shape_with_symbolic_batch_is_taken_as_it_is()
    {
        var data = TestTensors.Uniform(new Random(1), [3, 1, 28, 28]);

        var feed = ModelInputs.Fit(data, ImageInput, "x.npy");

        Assert.Equal([3, 1, 28, 28], feed.Shape.ToArray());
        Assert.Equal(data.ToFloatArray(), feed.ToFloatArray());
    }

    [Theory]
    [InlineData(new[] { 2, 27, 28 }, "each sample has 756 values, the input takes 784")]
    [InlineData(new[] { 784 }, "does not fit model input 'image' float[N, 1, 28, 28]")]
    public void Data_that_cannot_fit_the_input_names_the_file_the_input_and_the_shapes(int[] shape, string expected)
    {
        var data = Tensor.Zeros(DataType.Float, shape);

        var error = Assert.Throws<EdgePruneException>(() => ModelInputs.Fit(data, ImageInput, "x.npy"));

        Assert.StartsWith("x.npy: data of shape " + Tensor.FormatShape(shape), error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_data_is_an_error_naming_the_input()
    {
        var error = Assert.Throws<EdgePruneException>(() => ModelInputs.Fit(Tensor.Zeros(DataType.Float, 0, 1, 28, 28), ImageInput, "x.npy"));

        Assert.Equal("x.npy: the data for input 'image' is empty", error.Message);
    }

    [Fact]
    public void A_two_input_model_needs_an_npz_with_one_array_per_input_name()
    {
        var b = new GraphBuilder();
        b.Output(b.Op("Add", [b.Input("a", DataType.Float, 2), b.Input("b", DataType.Float, 2)]));

        var error = Assert.Throws<EdgePruneException>(() => ModelInputs.Load("x.npy", b.Build()));

        Assert.Equal("x.npy: the model has 2 inputs ('a', 'b'); pass an .npz with one array per input name", error.Message);
    }
}
