using TorchSharp;
using static TorchSharp.torch;
using DnaNas.Randomness;

namespace DnaNas.Data;

/// <summary>
/// Cuts an <see cref="ImageSet"/> into normalised float batches for training and evaluation. Conversion,
/// normalisation and augmentation are torch ops on whole batch tensors.
/// </summary>
/// <remarks>
/// Epoch e's order and augmentation depend only on (seed, e): every epoch draws from its own
/// <see cref="Generator"/>, never from the global torch seed, so loaders on different threads do not disturb
/// each other and an epoch can be replayed on its own.
/// </remarks>
public sealed class BatchLoader
{
    private readonly ImageSet _set;
    private readonly float[] _mean;
    private readonly float[] _std;
    private readonly bool _shuffle;
    private readonly AugmentOptions? _augment;
    private readonly long _seed;

    public BatchLoader(ImageSet set, int batchSize, float[] mean, float[] std, bool shuffle, AugmentOptions? augment, long seed,
        bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (mean.Length != set.Channels || std.Length != set.Channels)
            throw new ArgumentException(
                $"Mean and std need one value per channel ({set.Channels}), got {mean.Length} and {std.Length}.");
        if (std.Any(value => !(value > 0) || !float.IsFinite(value)))
            throw new ArgumentException("Every std value must be positive and finite.", nameof(std));
        if (augment is { PadCrop: < 0 })
            throw new ArgumentOutOfRangeException(nameof(augment), "PadCrop must be 0 or more.");

        TorchRuntime.Initialize();
        _set = set;
        BatchSize = batchSize;
        _mean = (float[])mean.Clone();
        _std = (float[])std.Clone();
        _shuffle = shuffle;
        _augment = AugmentOptions.For(set, augment);
        _seed = seed;
        DropLast = dropLast;
        BatchCount = dropLast ? set.Count / batchSize : (set.Count + batchSize - 1) / batchSize;
    }

    public int BatchSize { get; }

    /// <summary>The augmentation actually applied: the one asked for, less a flip the set declares unsafe; null for none.</summary>
    public AugmentOptions? AppliedAugment => _augment;
    public bool DropLast { get; }

    /// <summary>Batches per epoch; with dropLast the final short batch is skipped.</summary>
    public int BatchCount { get; }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>: X float32 [B,C,H,W] normalised, Y int64 [B].
    /// </summary>
    /// <remarks>
    /// Each pair is created in the dispose scope that is innermost on the calling thread when the batch is
    /// produced (the caller's per-step scope), and disposed with it; with no scope open the caller owns and
    /// disposes them. The loader keeps no tensor between batches, so closing the caller's scopes never breaks it.
    /// </remarks>
    public IEnumerable<(Tensor X, Tensor Y)> Epoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return Batches(epoch);
    }

    private IEnumerable<(Tensor X, Tensor Y)> Batches(int epoch)
    {
        using var generator = new Generator(StableRandom.Mix(_seed, epoch), CPU);
        int[] order = _shuffle ? Permutation(generator) : Enumerable.Range(0, _set.Count).ToArray();

        for (int batch = 0; batch < BatchCount; batch++)
        {
            int start = batch * BatchSize;
            int count = Math.Min(BatchSize, _set.Count - start);
            yield return MakeBatch(order.AsSpan(start, count), generator);
        }
    }

    private int[] Permutation(Generator generator)
    {
        using var scope = NewDisposeScope();
        var permutation = randperm(_set.Count, dtype: ScalarType.Int32, generator: generator);
        return permutation.data<int>().ToArray();
    }

    private (Tensor X, Tensor Y) MakeBatch(ReadOnlySpan<int> indices, Generator generator)
    {
        int count = indices.Length, imageSize = _set.ImageSize;
        var batchPixels = new byte[checked((long)count * imageSize)];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            // One block copy (or, for a streamed set, one file read) per image; the pixels themselves are only touched by torch.
            _set.CopyImage(indices[i], batchPixels.AsSpan(i * imageSize, imageSize));
            labels[i] = _set.Labels[indices[i]];
        }

        using var scope = NewDisposeScope();
        // from_array shares the fresh array instead of copying it again; the uint8 tensor dies with this scope.
        var pixels = from_array(batchPixels).view(count, _set.Channels, _set.Height, _set.Width);
        if (_augment is not null) pixels = BatchAugmentation.Apply(pixels, _augment, generator);

        var channelShape = new long[] { 1, _set.Channels, 1, 1 };
        using var byteRange = 255f.ToScalar(); // held through the call (see HeldScalars)
        var x = pixels.to_type(ScalarType.Float32).div_(byteRange)
            .sub_(tensor(_mean, channelShape))
            .div_(tensor(_std, channelShape));
        var y = tensor(labels);
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }
}
