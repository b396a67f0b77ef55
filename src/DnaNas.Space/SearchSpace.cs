using System.Numerics;
using DnaNas.Randomness;

namespace DnaNas.Space;

public enum Activation { Relu, Swish }

/// <summary>Fixed first layers: a k x k convolution, optionally followed by a fixed depthwise-separable layer.</summary>
/// <param name="SeparableChannels">0: none; else a fixed MBConv with expansion 1 and kernel 3 to this width
/// (EfficientNet's first stage, which the DNA space keeps fixed).</param>
public sealed record StemSpec(int Channels, int Kernel = 3, int Stride = 1, int SeparableChannels = 0)
{
    public int OutChannels => SeparableChannels > 0 ? SeparableChannels : Channels;
}

/// <summary>
/// One searched block: a cell of up to <see cref="Layers"/> layers at a fixed output width. The first layer
/// applies the stride and width change; layers past <see cref="MinLayers"/> may be skip (identity), which is
/// how depth is searched. Skips only close a block, so each depth is one set of distinct candidates.
/// <see cref="Widths"/>, when not empty, makes the output width a choice too (width search); <see cref="Channels"/>
/// is then the block's reference width, the one a teacher and the baselines have.
/// </summary>
public sealed record BlockSpec(int Stride, int Channels, int Layers, int MinLayers)
{
    /// <summary>Output widths to search, ascending, <see cref="Channels"/> among them; empty: the width is fixed.</summary>
    public IReadOnlyList<int> Widths { get; init; } = [];

    /// <summary>The widths an architecture may give the block: <see cref="Widths"/>, or just <see cref="Channels"/>.</summary>
    public IReadOnlyList<int> WidthChoices => Widths.Count > 0 ? Widths : [Channels];

    // The generated equality would compare Widths by reference (see SearchSpace.Equals).
    public bool Equals(BlockSpec? other) =>
        other is not null && Stride == other.Stride && Channels == other.Channels && Layers == other.Layers
        && MinLayers == other.MinLayers && Widths.SequenceEqual(other.Widths);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Stride);
        h.Add(Channels);
        h.Add(Layers);
        h.Add(MinLayers);
        foreach (var w in Widths) h.Add(w);
        return h.ToHashCode();
    }
}

/// <summary>Fixed last layers: optional 1x1 conv to <see cref="Channels"/> (0: none), global pooling, dropout, linear classifier.</summary>
public sealed record HeadSpec(int Channels, double Dropout = 0.0);

/// <summary>Geometry of one layer position, fixed by the space (independent of the ops chosen).</summary>
public readonly record struct LayerShape(int InChannels, int OutChannels, int Stride, int InSize, int OutSize);

/// <summary>
/// A block-structured search space as plain data: stem, blocks with per-layer op choices (ops of any registered
/// family, <see cref="OpFamilies"/>), head. An architecture picks one candidate (ops per layer, trailing skips) in
/// every block. Two spaces are equal when their fields and the contents of their lists are.
/// </summary>
public sealed record SearchSpace
{
    public required string Name { get; init; }
    public required int InputSize { get; init; }
    public required int InputChannels { get; init; }
    public required int Classes { get; init; }
    public required StemSpec Stem { get; init; }
    public required IReadOnlyList<BlockSpec> Blocks { get; init; }
    public required IReadOnlyList<Op> Ops { get; init; }
    public required HeadSpec Head { get; init; }
    public bool SqueezeExcite { get; init; }
    public Activation Activation { get; init; } = Activation.Swish;

    /// <summary>What every layer's op sees of the space besides its shape.</summary>
    public OpSettings OpSettings => new(SqueezeExcite, Activation);

    /// <summary>The op of the stem's fixed depthwise-separable layer (<see cref="StemSpec.SeparableChannels"/>).</summary>
    public static MBConvOp StemSeparableOp { get; } = new(Kernel: 3, Expansion: 1);

    /// <summary>Where the stem's separable layer sits: after the stem conv, at its resolution.</summary>
    public LayerShape StemSeparableShape => new(Stem.Channels, Stem.SeparableChannels, 1, StemOutSize, StemOutSize);

    // A record's generated equality would compare the lists by reference, so a space read back from its JSON file
    // would differ from the one written. Every property must appear in both members below.
    public bool Equals(SearchSpace? other) =>
        other is not null
        && Name == other.Name && InputSize == other.InputSize && InputChannels == other.InputChannels
        && Classes == other.Classes && Stem == other.Stem && Head == other.Head
        && SqueezeExcite == other.SqueezeExcite && Activation == other.Activation
        && Blocks.SequenceEqual(other.Blocks) && Ops.SequenceEqual(other.Ops);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Name);
        h.Add(InputSize);
        h.Add(InputChannels);
        h.Add(Classes);
        h.Add(Stem);
        h.Add(Head);
        h.Add(SqueezeExcite);
        h.Add(Activation);
        foreach (var block in Blocks) h.Add(block);
        foreach (var op in Ops) h.Add(op);
        return h.ToHashCode();
    }

    /// <summary>Squeeze-excite bottleneck width: a quarter of the layer's input width, as in EfficientNet.</summary>
    public static int SqueezeChannels(int inChannels) => Math.Max(1, inChannels / 4);

    /// <summary>Output size of a conv with padding k/2.</summary>
    public static int ConvOut(int size, int kernel, int stride) => (size + 2 * (kernel / 2) - kernel) / stride + 1;

    public int StemOutSize => ConvOut(InputSize, Stem.Kernel, Stem.Stride);

    /// <summary>Channels entering the head's 1x1 conv (the last block's width).</summary>
    public int LastBlockChannels => Blocks.Count == 0 ? Stem.OutChannels : Blocks[^1].Channels;

    public int FeatureChannels => Head.Channels > 0 ? Head.Channels : LastBlockChannels;

    /// <summary>Input width and resolution of each block.</summary>
    public (int Channels, int Size) BlockInput(int block)
    {
        int c = Stem.OutChannels, s = StemOutSize;
        for (int b = 0; b < block; b++)
        {
            s = ConvOut(s, 3, Blocks[b].Stride); // kernel size does not change the output size with padding k/2
            c = Blocks[b].Channels;
        }
        return (c, s);
    }

    public LayerShape Layer(int block, int layer)
    {
        var (cin, size) = BlockInput(block);
        var spec = Blocks[block];
        return layer == 0
            ? new LayerShape(cin, spec.Channels, spec.Stride, size, ConvOut(size, 3, spec.Stride))
            : LayerShapeInside(spec, ConvOut(size, 3, spec.Stride));
    }

    private static LayerShape LayerShapeInside(BlockSpec spec, int size) => new(spec.Channels, spec.Channels, 1, size, size);

    /// <summary>Number of distinct candidates of a block: the sum over allowed depths d of |ops|^d.</summary>
    public BigInteger CandidateCount(int block)
    {
        var spec = Blocks[block];
        BigInteger total = 0;
        for (int d = spec.MinLayers; d <= spec.Layers; d++) total += BigInteger.Pow(Ops.Count, d);
        return total;
    }

    /// <summary>Exact number of architectures: the product of the blocks' candidate counts times their width choices.</summary>
    public BigInteger Size()
    {
        BigInteger size = 1;
        for (int b = 0; b < Blocks.Count; b++) size *= CandidateCount(b) * Blocks[b].WidthChoices.Count;
        return size;
    }

    /// <summary>Whether any block searches its output width.</summary>
    public bool SearchesWidths => Blocks.Any(b => b.Widths.Count > 0);

    /// <summary>
    /// The space with each block at the width an architecture gives it and no width choices left: the fixed-width
    /// space whose shapes, costs and modules are that architecture's. Everything that builds or costs a network
    /// goes through it, so the rest of the code sees fixed widths only.
    /// </summary>
    public SearchSpace At(Architecture architecture)
    {
        if (architecture.Blocks.Count != Blocks.Count)
            throw new SpaceException($"architecture has {architecture.Blocks.Count} blocks, space {Name} has {Blocks.Count}");
        if (!SearchesWidths)
        {
            if (architecture.HasWidths) throw new SpaceException($"{architecture} sets block widths, but space {Name} has no width choices");
            return this;
        }
        return AtWidths(Enumerable.Range(0, Blocks.Count).Select(b => architecture.Width(b, this)).ToArray());
    }

    /// <summary>The fixed-width space with block b at <paramref name="widths"/>[b], each one of the block's width choices.</summary>
    public SearchSpace AtWidths(IReadOnlyList<int> widths)
    {
        if (widths.Count != Blocks.Count) throw new SpaceException($"{widths.Count} widths for the {Blocks.Count} blocks of space {Name}");
        for (int b = 0; b < Blocks.Count; b++)
            if (!Blocks[b].WidthChoices.Contains(widths[b]))
                throw new SpaceException($"block {b + 1} of space {Name} has widths {string.Join(", ", Blocks[b].WidthChoices)}, not {widths[b]}");
        return this with { Blocks = Blocks.Select((spec, b) => spec with { Channels = widths[b], Widths = [] }).ToArray() };
    }

    /// <summary>Every block's reference width (<see cref="BlockSpec.Channels"/>).</summary>
    public int[] ReferenceWidths => Blocks.Select(b => b.Channels).ToArray();

    /// <summary>
    /// The fixed-width space with block <paramref name="block"/> at <paramref name="width"/>, the block before it at
    /// <paramref name="previousWidth"/> (ignored for the first block; default: its reference width) and every other at
    /// its reference width: all that block's costs depend on.
    /// </summary>
    public SearchSpace AtBlockWidth(int block, int width, int? previousWidth = null)
    {
        var widths = ReferenceWidths;
        widths[block] = width;
        if (block > 0 && previousWidth is { } before) widths[block - 1] = before;
        return AtWidths(widths);
    }

    /// <summary>Every candidate of a block in depth-first order (shorter prefixes first, then their extensions).</summary>
    public IEnumerable<Candidate> EnumerateCandidates(int block)
    {
        var spec = Blocks[block];
        var layers = new Op[spec.Layers];
        return Walk(0);

        IEnumerable<Candidate> Walk(int depth)
        {
            if (depth >= spec.MinLayers)
            {
                for (int i = depth; i < spec.Layers; i++) layers[i] = Op.Skip;
                yield return new Candidate(layers);
            }
            if (depth == spec.Layers) yield break;
            foreach (var op in Ops)
            {
                layers[depth] = op;
                foreach (var c in Walk(depth + 1)) yield return c;
            }
        }
    }

    /// <summary>A candidate drawn uniformly from all candidates of the block (depth weighted by its count).</summary>
    public Candidate SampleCandidate(int block, StableRandom rng)
    {
        var spec = Blocks[block];
        double total = (double)CandidateCount(block);
        double r = rng.NextDouble() * total;
        int depth = spec.Layers;
        for (int d = spec.MinLayers; d <= spec.Layers; d++)
        {
            double count = Math.Pow(Ops.Count, d);
            if (r < count) { depth = d; break; }
            r -= count;
        }
        var layers = new Op[spec.Layers];
        for (int i = 0; i < spec.Layers; i++) layers[i] = i < depth ? Ops[rng.Next(Ops.Count)] : Op.Skip;
        return new Candidate(layers);
    }

    /// <summary>
    /// A candidate whose depth is drawn uniformly first and its ops then (as SPOS's path sampler does): every depth
    /// gets an equal share, where uniform sampling gives a 3-layer block's depth-1 candidates 6 draws in 258.
    /// </summary>
    public Candidate SampleCandidateDepthFirst(int block, StableRandom rng)
    {
        var spec = Blocks[block];
        int depth = spec.MinLayers + rng.Next(spec.Layers - spec.MinLayers + 1);
        var layers = new Op[spec.Layers];
        for (int i = 0; i < spec.Layers; i++) layers[i] = i < depth ? Ops[rng.Next(Ops.Count)] : Op.Skip;
        return new Candidate(layers);
    }

    /// <summary>An architecture with every block's candidate drawn uniformly, then each searched width (no draw where the width is fixed).</summary>
    public Architecture Sample(StableRandom rng)
    {
        var arch = new Architecture(Enumerable.Range(0, Blocks.Count).Select(b => SampleCandidate(b, rng)).ToArray());
        if (!SearchesWidths) return arch;
        return arch.WithWidths(this, Blocks.Select(spec => spec.WidthChoices[spec.Widths.Count > 0 ? rng.Next(spec.Widths.Count) : 0]).ToArray());
    }

    /// <summary>Checks that the space is well formed; throws <see cref="SpaceException"/> naming the bad field.</summary>
    public SearchSpace Validate()
    {
        void Require(bool ok, string what) { if (!ok) throw new SpaceException($"space {Name}: {what}"); }
        Require(!string.IsNullOrWhiteSpace(Name), "name must not be empty");
        Require(InputSize >= 4, $"inputSize must be at least 4, got {InputSize}");
        Require(InputChannels is 1 or 3, $"inputChannels must be 1 or 3, got {InputChannels}");
        Require(Classes >= 2, $"classes must be at least 2, got {Classes}");
        Require(Stem.Channels > 0, $"stem.channels must be positive, got {Stem.Channels}");
        Require(Stem.Kernel is > 0 and < 12 && Stem.Kernel % 2 == 1, $"stem.kernel must be odd, got {Stem.Kernel}");
        Require(Stem.Stride is 1 or 2, $"stem.stride must be 1 or 2, got {Stem.Stride}");
        Require(Stem.SeparableChannels >= 0, $"stem.separableChannels must be 0 or positive, got {Stem.SeparableChannels}");
        Require(Blocks.Count > 0, "blocks must not be empty");
        Require(Ops.Count > 0, "ops must not be empty");
        for (int i = 0; i < Ops.Count; i++)
        {
            Require(!Ops[i].IsSkip, $"ops[{i}] \"skip\": skip is implied by minLayers < layers, do not list it");
            Require(Ops.IndexOf(Ops[i]) == i, $"ops[{i}] \"{Ops[i]}\" is listed twice");
        }
        for (int b = 0; b < Blocks.Count; b++)
        {
            var s = Blocks[b];
            Require(s.Stride is 1 or 2, $"blocks[{b}].stride must be 1 or 2, got {s.Stride}");
            Require(s.Channels > 0, $"blocks[{b}].channels must be positive, got {s.Channels}");
            Require(s.Layers >= 1, $"blocks[{b}].layers must be at least 1, got {s.Layers}");
            Require(s.MinLayers >= 1 && s.MinLayers <= s.Layers,
                $"blocks[{b}].minLayers must be between 1 and layers ({s.Layers}), got {s.MinLayers}");
            if (s.Widths.Count > 0)
            {
                Require(s.Widths.All(w => w > 0), $"blocks[{b}].widths must be positive, got [{string.Join(", ", s.Widths)}]");
                Require(s.Widths.Zip(s.Widths.Skip(1)).All(p => p.First < p.Second), $"blocks[{b}].widths must be ascending without repeats, got [{string.Join(", ", s.Widths)}]");
                Require(s.Widths.Contains(s.Channels), $"blocks[{b}].widths must include the block's channels ({s.Channels}), the width a teacher and the baselines have");
            }
        }
        // Every op must be possible at every position it may take (a transformer's heads must divide the width).
        // With width choices, each block at each of its widths, after each width of the block before it.
        for (int b = 0; b < Blocks.Count; b++)
            foreach (int width in Blocks[b].WidthChoices)
                foreach (int before in b == 0 ? Blocks[b].WidthChoices.Take(1) : Blocks[b - 1].WidthChoices)
                {
                    var at = SearchesWidths ? AtBlockWidth(b, width, before) : this;
                    for (int l = 0; l < Blocks[b].Layers; l++)
                        foreach (var op in Ops)
                            try { op.Family.Cost(op, at.Layer(b, l), OpSettings); }
                            catch (SpaceException e) { throw new SpaceException($"space {Name}: block {b + 1} layer {l + 1}{(SearchesWidths ? $" at width {width}" : "")}: {e.Message}"); }
                }
        Require(Head.Channels >= 0, $"head.channels must be 0 or positive, got {Head.Channels}");
        Require(Head.Dropout is >= 0 and < 1, $"head.dropout must be in [0, 1), got {Head.Dropout}");
        Require(BlockInput(Blocks.Count).Size >= 1, "the strides shrink the input below 1 pixel");
        return this;
    }
}

internal static class ListExtensions
{
    public static int IndexOf<T>(this IReadOnlyList<T> list, T item)
    {
        for (int i = 0; i < list.Count; i++) if (EqualityComparer<T>.Default.Equals(list[i], item)) return i;
        return -1;
    }
}
