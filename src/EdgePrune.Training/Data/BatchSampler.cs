namespace EdgePrune.Training.Data;

/// <summary>
/// Yields mini-batches of a dataset: each epoch a fresh permutation drawn from (seed, epoch), so a run repeats exactly
/// and resuming at an epoch gives the same order. Batches are copied into buffers owned by the sampler (valid until
/// the next call); the last, partial batch is kept.
/// </summary>
public sealed class BatchSampler
{
    private readonly Dataset _data;
    private readonly int _batchSize;
    private readonly int _seed;
    private readonly int[] _order;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly RandomShift? _shift;
    private readonly Random _augmentRandom;

    public BatchSampler(Dataset data, int batchSize, int seed, bool shuffle = true, RandomShift? shift = null)
    {
        if (batchSize < 1)
        {
            throw new Core.EdgePruneException($"batch size must be at least 1, got {batchSize}");
        }

        _data = data;
        _batchSize = batchSize;
        _seed = seed;
        Shuffle = shuffle;
        _shift = shift;
        _order = Enumerable.Range(0, data.Count).ToArray();
        _features = new float[batchSize * data.SampleSize];
        _labels = new int[batchSize];
        _augmentRandom = new Random(unchecked(seed * 7919 + 17));
    }

    public bool Shuffle { get; }

    public int BatchesPerEpoch => (_data.Count + _batchSize - 1) / _batchSize;

    /// <summary>Fixes the sample order of <paramref name="epoch"/>.</summary>
    public void StartEpoch(int epoch)
    {
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        if (Shuffle)
        {
            new Random(unchecked(_seed * 1_000_003 + epoch)).Shuffle(_order);
        }
    }

    /// <summary>Fills batch <paramref name="index"/> of the current epoch; returns its size.</summary>
    public int Fill(int index, out ReadOnlySpan<float> features, out ReadOnlySpan<int> labels)
    {
        int start = index * _batchSize;
        int count = Math.Min(_batchSize, _data.Count - start);
        int size = _data.SampleSize;
        for (int i = 0; i < count; i++)
        {
            var target = _features.AsSpan(i * size, size);
            int sample = _order[start + i];
            if (_shift is not null)
            {
                _shift.Apply(_data.Sample(sample), _data.SampleShape, target, _augmentRandom);
            }
            else
            {
                _data.Sample(sample).CopyTo(target);
            }

            _labels[i] = _data.Labels?[sample] ?? 0;
        }

        features = _features.AsSpan(0, count * size);
        labels = _data.Labels is null ? [] : _labels.AsSpan(0, count);
        return count;
    }
}
