namespace DnaNas.Space;

/// <summary>Trainable parameters and multiply-accumulates (convolutions and linear layers) of one image's forward pass.</summary>
public readonly record struct Cost(long Params, long Macs)
{
    public static readonly Cost Zero = new(0, 0);
    public static Cost operator +(Cost a, Cost b) => new(a.Params + b.Params, a.Macs + b.Macs);
    public override string ToString() => $"{Params:N0} params, {Macs:N0} MACs";

    /// <summary>A convolution without bias followed by batch norm (2 parameters per channel).</summary>
    public static Cost ConvBn(long weights, long channels, long macs) => new(weights + 2 * channels, macs);
}

/// <summary>
/// Analytic costs. They mirror the modules exactly (tests compare them with built networks): convolutions
/// have no bias and are followed by batch norm (2 parameters per channel); the classifier has biases. A layer's
/// cost is its op family's (<see cref="IOpFamily.Cost"/>). Because every block's input width and resolution are fixed by the space, an
/// architecture's cost is the sum of stem, per-block candidate and head costs, which search relies on. With width
/// choices the widths are fixed by the architecture (<see cref="SearchSpace.At"/>): a block's cost then depends on the
/// width before it, which the width search handles.
/// </summary>
public static class CostModel
{
    public static Cost Of(SearchSpace space, Architecture arch)
    {
        if (arch.Blocks.Count != space.Blocks.Count)
            throw new SpaceException($"architecture has {arch.Blocks.Count} blocks, space {space.Name} has {space.Blocks.Count}");
        space = space.At(arch);
        var total = Stem(space) + Head(space);
        for (int b = 0; b < space.Blocks.Count; b++) total += Candidate(space, b, arch.Blocks[b]);
        return total;
    }

    public static Cost Candidate(SearchSpace space, int block, Candidate candidate)
    {
        var total = Cost.Zero;
        for (int l = 0; l < candidate.Layers.Count; l++) total += Layer(space, block, l, candidate.Layers[l]);
        return total;
    }

    /// <summary>Cost of one op at one layer position (zero for skip), as its family computes it.</summary>
    public static Cost Layer(SearchSpace space, int block, int layer, Op op) =>
        op.IsSkip ? Cost.Zero : op.Family.Cost(op, space.Layer(block, layer), space.OpSettings);

    public static Cost Stem(SearchSpace space)
    {
        var s = space.Stem;
        long convWeights = (long)s.Kernel * s.Kernel * space.InputChannels * s.Channels;
        long pixels = (long)space.StemOutSize * space.StemOutSize;
        var cost = Cost.ConvBn(convWeights, s.Channels, convWeights * pixels);
        if (s.SeparableChannels > 0)
            cost += MBConvFamily.Of(SearchSpace.StemSeparableOp, space.StemSeparableShape, space.SqueezeExcite);
        return cost;
    }

    public static Cost Head(SearchSpace space)
    {
        var cost = Cost.Zero;
        var (lastChannels, size) = space.BlockInput(space.Blocks.Count);
        if (space.Head.Channels > 0)
        {
            long w = (long)lastChannels * space.Head.Channels;
            cost += Cost.ConvBn(w, space.Head.Channels, w * size * size);
        }
        long fc = (long)space.FeatureChannels * space.Classes;
        return cost + new Cost(fc + space.Classes, fc);
    }

    /// <summary>
    /// Cheapest and dearest candidate of a block, exactly: layers are independent, skip costs nothing. With width
    /// choices, the cheapest at the smallest widths (its own and the one before), the dearest at the largest: more
    /// channels never cost less.
    /// </summary>
    public static (Cost Min, Cost Max) BlockRange(SearchSpace space, int block)
    {
        if (space.SearchesWidths)
            return (BlockRange(AtExtremeWidths(space, largest: false), block).Min, BlockRange(AtExtremeWidths(space, largest: true), block).Max);
        var spec = space.Blocks[block];
        Cost min = Cost.Zero, max = Cost.Zero;
        for (int l = 0; l < spec.Layers; l++)
        {
            var costs = space.Ops.Select(op => Layer(space, block, l, op)).ToList();
            if (l < spec.MinLayers) min += new Cost(costs.Min(c => c.Params), costs.Min(c => c.Macs));
            max += new Cost(costs.Max(c => c.Params), costs.Max(c => c.Macs));
        }
        return (min, max);
    }

    /// <summary>Smallest and largest parameters and MACs over the whole space (each bound taken separately).</summary>
    public static (Cost Min, Cost Max) SpaceRange(SearchSpace space)
    {
        if (space.SearchesWidths)
            return (SpaceRange(AtExtremeWidths(space, largest: false)).Min, SpaceRange(AtExtremeWidths(space, largest: true)).Max);
        var fixedCost = Stem(space) + Head(space);
        Cost min = fixedCost, max = fixedCost;
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var (lo, hi) = BlockRange(space, b);
            min += lo;
            max += hi;
        }
        return (min, max);
    }

    /// <summary>The space with every block at its smallest (or largest) width choice.</summary>
    private static SearchSpace AtExtremeWidths(SearchSpace space, bool largest) =>
        space with { Blocks = space.Blocks.Select(b => b with { Channels = largest ? b.WidthChoices[^1] : b.WidthChoices[0], Widths = [] }).ToArray() };
}
