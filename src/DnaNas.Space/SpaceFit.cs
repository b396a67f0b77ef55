namespace DnaNas.Space;

/// <summary>The image shape and class count a data set delivers, as a space must take them.</summary>
public sealed record DataShape(int InputSize, int Channels, int Classes)
{
    public override string ToString() => $"{InputSize}x{InputSize} {ChannelWord(Channels)} images with {Classes} classes";

    internal static string ChannelWord(int channels) => channels == 1 ? "gray" : "RGB";
}

/// <summary>A space derived from <see cref="BuiltinSpaces.FmnistMbconv"/> for a data shape, with its budget scale.</summary>
/// <param name="BudgetScale">
/// Parameters of the derived space's full-depth cheapest network over those of fmnist-mbconv's: multiply a budget
/// meant for fmnist-mbconv by it to ask the same of the derived space.
/// </param>
public sealed record DerivedSpace(SearchSpace Space, double BudgetScale)
{
    public long ScaleBudget(long fmnistBudget) => (long)Math.Round(fmnistBudget * BudgetScale, MidpointRounding.AwayFromZero);
}

/// <summary>Whether a space takes a data set's images, and a space that does when none is given.</summary>
public static class SpaceFit
{
    // fmnist-mbconv ends at 4x4 from 28x28 (total stride 8); a derived space keeps its last map near that size,
    // where global pooling still sees a few positions and the blocks do not waste MACs on large maps.
    private const int TargetFinalSize = 4;

    /// <summary>
    /// fmnist-mbconv re-shaped for <paramref name="shape"/>: its input size, channels and classes; the total stride
    /// chosen so the last map is about 4x4 (stride-1 blocks gain stride first, the stem last); and widths 1.25x
    /// from 48 pixels on, where images carry more detail per class than 28x28 Fashion-MNIST.
    /// </summary>
    public static DerivedSpace Derive(DataShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var template = BuiltinSpaces.FmnistMbconv;
        int totalStride = TotalStrideFor(shape.InputSize);

        // Blocks 0, 1 and 3 take stride first (as in the template), then block 2, then the stem: 5 doublings at most.
        int doublings = (int)Math.Log2(totalStride);
        int[] order = [0, 1, 3, 2];
        var strides = new int[template.Blocks.Count];
        Array.Fill(strides, 1);
        for (int i = 0; i < order.Length && doublings > 0; i++, doublings--) strides[order[i]] = 2;
        int stemStride = doublings > 0 ? 2 : 1;

        double widthScale = shape.InputSize >= 48 ? 1.25 : 1.0;
        var space = template with
        {
            Name = $"{template.Name}-{shape.InputSize}{(shape.Channels == 1 ? "g" : "rgb")}-{shape.Classes}c",
            InputSize = shape.InputSize,
            InputChannels = shape.Channels,
            Classes = shape.Classes,
            Stem = template.Stem with { Stride = stemStride, Channels = Round8(template.Stem.Channels * widthScale) },
            Blocks = template.Blocks.Select((block, b) => block with { Stride = strides[b], Channels = Round8(block.Channels * widthScale) }).ToArray(),
        };
        space.Validate();
        return new DerivedSpace(space, (double)CheapestFullNetwork(space).Params / CheapestFullNetwork(template).Params);
    }

    /// <summary>
    /// Throws a one-line <see cref="SpaceException"/> naming the space and the data when the space's input size,
    /// channels or classes differ from the data's, so data is never silently resized to a space meant for other data.
    /// </summary>
    public static void Check(SearchSpace space, DataShape data)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(data);
        if (space.InputSize == data.InputSize && space.InputChannels == data.Channels && space.Classes == data.Classes) return;
        throw new SpaceException(
            $"space {space.Name} takes {space.InputSize}x{space.InputSize} {DataShape.ChannelWord(space.InputChannels)} images " +
            $"with {space.Classes} classes, the data is {data.InputSize}x{data.InputSize} {DataShape.ChannelWord(data.Channels)} " +
            $"with {data.Classes} classes: pass --space for a matching space or omit --space to derive one");
    }

    /// <summary>The power of two nearest (in log scale) to size / 4, between 1 and 32 (stem plus four blocks).</summary>
    internal static int TotalStrideFor(int inputSize)
    {
        double ideal = Math.Log2(Math.Max(1.0, (double)inputSize / TargetFinalSize));
        return 1 << Math.Clamp((int)Math.Round(ideal, MidpointRounding.AwayFromZero), 0, 5);
    }

    private static int Round8(double channels) => Math.Max(8, (int)Math.Round(channels / 8, MidpointRounding.AwayFromZero) * 8);

    private static Cost CheapestFullNetwork(SearchSpace space) =>
        CostModel.Of(space, new Architecture(space.Blocks.Select(b => new Candidate(Enumerable.Repeat(space.Ops[0], b.Layers)))));
}
