using static TorchSharp.torch;

namespace DnaNas.Data.Tests;

public sealed class BatchLoaderTests
{
    private static readonly Lazy<DatasetSplits> Digits = new(() =>
        Datasets.Load(new DatasetRequest(DatasetKind.Digits, null, 8, 1) { UseCache = false }));

    private static readonly float[] Gray = [0.5f];

    /// <summary>Images whose every pixel is distinct (1..H*W per channel plane), so a crop or flip is recognisable.</summary>
    private static ImageSet NumberedImages(int count, int channels = 1, int side = 6)
    {
        int imageSize = channels * side * side;
        var pixels = new byte[count * imageSize];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(1 + i % (side * side) + 40 * (i / (side * side) % channels));
        return new ImageSet(pixels, new int[count], channels, side, side, ["only"]);
    }

    /// <summary>The batch as bytes again, undoing the [0,1] scaling and normalisation with mean 0.5, std 0.5.</summary>
    private static byte[] Denormalise(Tensor x)
    {
        using var scope = NewDisposeScope();
        var bytes = x.mul(0.5).add(0.5).mul(255).round().to_type(ScalarType.Byte).contiguous();
        return bytes.bytes.ToArray();
    }

    internal static List<(float[] X, long[] Y)> Collect(BatchLoader loader, int epoch)
    {
        var batches = new List<(float[], long[])>();
        foreach (var (x, y) in loader.Epoch(epoch))
        {
            using (x)
            using (y)
                batches.Add((x.data<float>().ToArray(), y.data<long>().ToArray()));
        }
        return batches;
    }

    [Fact]
    public void Batches_have_the_requested_shapes_and_types_and_a_short_last_batch()
    {
        var train = Digits.Value.Train.Take(250);
        var loader = new BatchLoader(train, 64, Digits.Value.Mean, Digits.Value.Std, shuffle: true, new AugmentOptions(), seed: 1);

        using var scope = NewDisposeScope();
        var batches = loader.Epoch(0).ToList();

        Assert.Equal(4, loader.BatchCount);
        Assert.Equal(4, batches.Count);
        Assert.Equal([64L, 1, 8, 8], batches[0].X.shape);
        Assert.Equal(ScalarType.Float32, batches[0].X.dtype);
        Assert.Equal(ScalarType.Int64, batches[0].Y.dtype);
        Assert.Equal([58L], batches[3].Y.shape);
        Assert.Equal(250, batches.Sum(batch => batch.Y.shape[0]));
    }

    [Fact]
    public void Drop_last_skips_the_short_batch()
    {
        var loader = new BatchLoader(Digits.Value.Train.Take(250), 64, Digits.Value.Mean, Digits.Value.Std, false, null, 1, dropLast: true);

        Assert.Equal(3, loader.BatchCount);
        Assert.Equal(3, Collect(loader, 0).Count);
    }

    [Fact]
    public void The_same_seed_and_epoch_give_the_same_batches()
    {
        var set = Digits.Value.Train.Take(300);
        BatchLoader Make() => new(set, 50, Digits.Value.Mean, Digits.Value.Std, shuffle: true, new AugmentOptions(2, true), seed: 7);

        var first = Collect(Make(), epoch: 3);
        var second = Collect(Make(), epoch: 3);

        Assert.Equal(first.Count, second.Count);
        for (int b = 0; b < first.Count; b++)
        {
            Assert.Equal(first[b].X, second[b].X);
            Assert.Equal(first[b].Y, second[b].Y);
        }
    }

    [Fact]
    public void Other_epochs_and_seeds_give_other_orders_but_the_same_images()
    {
        var set = Digits.Value.Train.Take(300);
        var loader = new BatchLoader(set, 300, Digits.Value.Mean, Digits.Value.Std, shuffle: true, null, seed: 7);
        var otherSeed = new BatchLoader(set, 300, Digits.Value.Mean, Digits.Value.Std, shuffle: true, null, seed: 8);

        var epoch0 = Collect(loader, 0).Single().Y;
        var epoch1 = Collect(loader, 1).Single().Y;
        var seed8 = Collect(otherSeed, 0).Single().Y;

        Assert.NotEqual(epoch0, epoch1);
        Assert.NotEqual(epoch0, seed8);
        Assert.Equal(epoch0.Order(), epoch1.Order());
        Assert.Equal(set.Labels.Select(label => (long)label).Order(), epoch0.Order());
    }

    [Fact]
    public void Without_shuffling_batches_follow_the_set_order()
    {
        var set = Digits.Value.Test.Take(100);
        var loader = new BatchLoader(set, 30, Digits.Value.Mean, Digits.Value.Std, shuffle: false, null, seed: 0);

        var labels = Collect(loader, 5).SelectMany(batch => batch.Y).ToArray();

        Assert.Equal(set.Labels.Select(label => (long)label), labels);
    }

    [Fact]
    public void Normalising_with_the_training_statistics_gives_about_zero_mean_and_unit_std()
    {
        var splits = Digits.Value;
        var loader = new BatchLoader(splits.Train, 512, splits.Mean, splits.Std, shuffle: true, null, seed: 3);

        using var scope = NewDisposeScope();
        var (x, _) = loader.Epoch(0).First();

        Assert.InRange(x.mean().item<float>(), -0.1f, 0.1f);
        Assert.InRange(x.std().item<float>(), 0.9f, 1.1f);
    }

    [Fact]
    public void A_padded_crop_keeps_the_shape_and_shows_a_shifted_window_of_each_image()
    {
        const int side = 6, pad = 2;
        var set = NumberedImages(64, channels: 2);
        var loader = new BatchLoader(set, 64, [0.5f, 0.5f], [0.5f, 0.5f], shuffle: false, new AugmentOptions(pad, HorizontalFlip: false), seed: 11);

        using var scope = NewDisposeScope();
        var (x, _) = loader.Epoch(0).Single();
        var output = Denormalise(x);

        Assert.Equal([64L, 2, side, side], x.shape);
        var shifts = new HashSet<(int, int)>();
        for (int image = 0; image < 64; image++)
        {
            var source = set.Pixels.AsSpan(image * 2 * side * side, 2 * side * side).ToArray();
            var cropped = output.AsSpan(image * 2 * side * side, 2 * side * side).ToArray();
            var shift = FindShift(source, cropped, channels: 2, side, pad);
            Assert.NotNull(shift);
            shifts.Add(shift.Value);
        }
        // 25 possible offsets; 64 images drawn independently cover many of them.
        Assert.True(shifts.Count > 10, $"only {shifts.Count} distinct crop offsets");
    }

    /// <summary>The (dy, dx) in [-pad, pad] for which cropped is source shifted with zero fill, or null.</summary>
    private static (int, int)? FindShift(byte[] source, byte[] cropped, int channels, int side, int pad)
    {
        for (int dy = -pad; dy <= pad; dy++)
        for (int dx = -pad; dx <= pad; dx++)
        {
            bool matches = true;
            for (int c = 0; c < channels && matches; c++)
            for (int r = 0; r < side && matches; r++)
            for (int col = 0; col < side && matches; col++)
            {
                int sr = r + dy, sc = col + dx;
                byte expected = sr >= 0 && sr < side && sc >= 0 && sc < side ? source[(c * side + sr) * side + sc] : (byte)0;
                matches = cropped[(c * side + r) * side + col] == expected;
            }
            if (matches) return (dy, dx);
        }
        return null;
    }

    [Fact]
    public void A_flip_mirrors_about_half_of_the_images_left_to_right()
    {
        const int side = 6;
        var set = NumberedImages(64);
        var loader = new BatchLoader(set, 64, Gray, Gray, shuffle: false, new AugmentOptions(PadCrop: 0, HorizontalFlip: true), seed: 5);

        using var scope = NewDisposeScope();
        var output = Denormalise(loader.Epoch(0).Single().X);

        int flipped = 0;
        for (int image = 0; image < 64; image++)
        {
            var source = set.Pixels.AsSpan(image * side * side, side * side).ToArray();
            var result = output.AsSpan(image * side * side, side * side).ToArray();
            var mirrored = Enumerable.Range(0, side * side).Select(i => source[i / side * side + side - 1 - i % side]).ToArray();
            if (result.SequenceEqual(mirrored)) flipped++;
            else Assert.Equal(source, result);
        }
        Assert.InRange(flipped, 16, 48);
    }

    [Fact]
    public void Only_the_batch_pair_lands_in_the_callers_scope_and_dies_with_it()
    {
        var splits = Digits.Value;
        var loader = new BatchLoader(splits.Train.Take(256), 32, splits.Mean, splits.Std, true, new AugmentOptions(), seed: 2);
        var yielded = new List<Tensor>();

        using (var scope = NewDisposeScope())
        {
            foreach (var (x, y) in loader.Epoch(0))
            {
                yielded.Add(x);
                yielded.Add(y);
                // The loader's temporaries (uint8 batch, index grids, random draws) are already gone.
                Assert.Equal(yielded.Count, scope.DisposablesCount);
            }
        }

        Assert.Equal(16, yielded.Count);
        Assert.All(yielded, tensor => Assert.True(tensor.IsInvalid));
    }

    [Fact]
    public void Batches_made_outside_any_scope_stay_alive_for_the_caller()
    {
        var loader = new BatchLoader(Digits.Value.Test.Take(10), 10, Digits.Value.Mean, Digits.Value.Std, false, null, seed: 0);

        var (x, y) = loader.Epoch(0).Single();
        using (x)
        using (y)
        {
            Assert.False(x.IsInvalid);
            Assert.Equal(10, y.shape[0]);
        }
    }

    [Fact]
    public void Mean_and_std_must_match_the_channels()
    {
        var set = NumberedImages(4, channels: 3);

        Assert.Throws<ArgumentException>(() => new BatchLoader(set, 2, Gray, Gray, false, null, 0));
        Assert.Throws<ArgumentException>(() => new BatchLoader(set, 2, [0f, 0f, 0f], [1f, 0f, 1f], false, null, 0));
    }
}
