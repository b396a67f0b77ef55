namespace DnaNas.Data;

/// <summary>Per-channel mean and standard deviation of an image set, in [0,1] pixel units.</summary>
internal static class PixelStatistics
{
    public static (float[] Mean, float[] Std) Compute(ImageSet set)
    {
        // A 256-bin histogram per channel makes the sums exact and the pass a cheap byte count.
        int planeSize = set.Height * set.Width;
        var histograms = new long[set.Channels * 256];
        var pixels = new byte[set.ImageSize];
        for (int image = 0; image < set.Count; image++)
        {
            // One image at a time: a streamed set is read from its file once, and no index outgrows an int.
            set.CopyImage(image, pixels);
            for (int channel = 0; channel < set.Channels; channel++)
            {
                var histogram = histograms.AsSpan(channel * 256, 256);
                foreach (byte value in pixels.AsSpan(channel * planeSize, planeSize))
                    histogram[value]++;
            }
        }

        var mean = new float[set.Channels];
        var std = new float[set.Channels];
        for (int channel = 0; channel < set.Channels; channel++)
        {
            double count = 0, sum = 0, sumOfSquares = 0;
            for (int value = 0; value < 256; value++)
            {
                double n = histograms[channel * 256 + value], x = value / 255.0;
                count += n;
                sum += n * x;
                sumOfSquares += n * x * x;
            }
            double channelMean = count > 0 ? sum / count : 0;
            double variance = count > 0 ? Math.Max(0, sumOfSquares / count - channelMean * channelMean) : 0;
            mean[channel] = (float)channelMean;
            // A constant channel would divide by zero when normalising; leave it unscaled instead.
            std[channel] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }
        return (mean, std);
    }
}
