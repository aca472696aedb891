namespace EdgePrune.Compression.Quantization;

/// <summary>Counts of values in equal bins over [Low, High] (values outside go to the end bins).</summary>
public sealed class Histogram
{
    public Histogram(float low, float high, int bins)
    {
        Low = low;
        High = high > low ? high : low + 1;
        Counts = new long[bins];
    }

    public float Low { get; }
    public float High { get; }
    public long[] Counts { get; }
    public double BinWidth => ((double)High - Low) / Counts.Length;

    public double Center(int bin) => Low + (bin + 0.5) * BinWidth;

    public void Add(ReadOnlySpan<float> values)
    {
        double scale = Counts.Length / ((double)High - Low);
        foreach (float v in values)
        {
            int bin = (int)((v - Low) * scale);
            Counts[Math.Clamp(bin, 0, Counts.Length - 1)]++;
        }
    }
}
