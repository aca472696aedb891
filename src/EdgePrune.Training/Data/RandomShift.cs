namespace EdgePrune.Training.Data;

/// <summary>
/// Image augmentation: moves each image by a random whole number of pixels in [−max, max] along height and width,
/// filling the uncovered border with 0. Samples are [H, W] or [C, H, W]; other shapes pass through unchanged.
/// </summary>
public sealed class RandomShift(int maxPixels)
{
    public int MaxPixels { get; } = maxPixels;

    public void Apply(ReadOnlySpan<float> sample, int[] shape, Span<float> target, Random random)
    {
        if (shape.Length is not (2 or 3) || MaxPixels == 0)
        {
            sample.CopyTo(target);
            return;
        }

        int height = shape[^2], width = shape[^1];
        int channels = shape.Length == 3 ? shape[0] : 1;
        int dy = random.Next(-MaxPixels, MaxPixels + 1);
        int dx = random.Next(-MaxPixels, MaxPixels + 1);
        target.Clear();
        for (int c = 0; c < channels; c++)
        {
            int plane = c * height * width;
            for (int y = Math.Max(0, dy); y < Math.Min(height, height + dy); y++)
            {
                int sy = y - dy;
                int x0 = Math.Max(0, dx), x1 = Math.Min(width, width + dx);
                if (x1 > x0)
                {
                    sample.Slice(plane + sy * width + x0 - dx, x1 - x0).CopyTo(target.Slice(plane + y * width + x0, x1 - x0));
                }
            }
        }
    }
}
