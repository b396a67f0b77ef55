using DnaNas.Randomness;

namespace DnaNas.Search;

/// <summary>
/// A synthetic instance shaped like the official DNA space (methods.md, DNA): 6 blocks of at most 2, 4, 4, 4, 4
/// and 1 MBConv layers, each layer one of 6 ops (kernel 3, 5, 7 x expansion 3, 6), a candidate being any op
/// sequence of 1 to L layers: 42, 1554, 1554, 1554, 1554 and 6 candidates, about 1.4e15 architectures.
/// Costs follow an EfficientNet-like layout; ratings fall with a candidate's MACs plus noise, as distillation
/// losses do (bigger candidates imitate the teacher better). Deterministic for a seed.
/// </summary>
internal sealed class PaperScaleInstance
{
    private readonly record struct Shape(int InChannels, int OutChannels, int InSize, int OutSize);

    private static readonly int[] MaxLayers = [2, 4, 4, 4, 4, 1];
    private static readonly (int In, int Out, int InSize, int OutSize)[] BlockShapes =
        [(16, 24, 112, 56), (24, 40, 56, 28), (40, 80, 28, 14), (80, 112, 14, 14), (112, 192, 14, 7), (192, 320, 7, 7)];
    private static readonly (int Kernel, int Expansion)[] Ops = [(3, 3), (3, 6), (5, 3), (5, 6), (7, 3), (7, 6)];

    private PaperScaleInstance(IReadOnlyList<IReadOnlyList<BlockOption>> blocks, long fixedParams, long fixedMacs)
    {
        Blocks = blocks;
        FixedParams = fixedParams;
        FixedMacs = fixedMacs;
    }

    public IReadOnlyList<IReadOnlyList<BlockOption>> Blocks { get; }
    public long FixedParams { get; }
    public long FixedMacs { get; }

    public double ArchitectureCount => Blocks.Aggregate(1.0, (product, block) => product * block.Count);

    public static PaperScaleInstance Create(int seed, double noise = 0.03)
    {
        var random = StableRandom.For(seed, 0x50415045); // "PAPE"
        var blocks = new List<IReadOnlyList<BlockOption>>();
        for (int b = 0; b < MaxLayers.Length; b++) blocks.Add(Block(b, random, noise));

        // Stem: 3x3 conv 3 -> 32 at 112x112 and a 32 -> 16 separable conv; head: 1x1 conv 320 -> 1280 at 7x7,
        // then a 1000-way classifier.
        var stem = Add(Conv(3 * 3 * 3 * 32, 32, 112 * 112), Layer(new Shape(32, 16, 112, 112), 3, 1));
        var head = Add(Conv(320 * 1280, 1280, 7 * 7), (1280 * 1000 + 1000, 1280 * 1000));
        return new PaperScaleInstance(blocks, stem.Params + head.Params, stem.Macs + head.Macs);
    }

    /// <summary>A budget a fraction of the way from the cheapest architecture's cost to the dearest's.</summary>
    public Budget BudgetAt(CostKind kind, double fraction)
    {
        long fixedCost = kind == CostKind.Params ? FixedParams : FixedMacs;
        long cheapest = fixedCost + Blocks.Sum(block => block.Min(o => o.Cost(kind)));
        long dearest = fixedCost + Blocks.Sum(block => block.Max(o => o.Cost(kind)));
        return new Budget(kind, cheapest + (long)Math.Round(fraction * (dearest - cheapest)));
    }

    private static List<BlockOption> Block(int b, StableRandom random, double noise)
    {
        var sequences = new List<int[]>();
        for (int depth = 1; depth <= MaxLayers[b]; depth++) AddSequences(sequences, new int[depth], 0);

        var costs = sequences.Select(ops => Candidate(b, ops)).ToList();
        double logMinMacs = Math.Log(costs.Min(c => c.Macs)), logMaxMacs = Math.Log(costs.Max(c => c.Macs));
        double scale = 0.3 + 0.1 * b;   // later blocks are harder to imitate
        var options = new List<BlockOption>(sequences.Count);
        for (int i = 0; i < sequences.Count; i++)
        {
            double size = (Math.Log(costs[i].Macs) - logMinMacs) / Math.Max(logMaxMacs - logMinMacs, 1e-9);
            double rating = scale * (1.0 - 0.5 * size) + noise * scale * Gaussian(random);
            options.Add(new BlockOption(i, rating, costs[i].Params, costs[i].Macs));
        }
        return options;
    }

    private static void AddSequences(List<int[]> into, int[] ops, int position)
    {
        if (position == ops.Length)
        {
            into.Add((int[])ops.Clone());
            return;
        }
        for (int op = 0; op < Ops.Length; op++)
        {
            ops[position] = op;
            AddSequences(into, ops, position + 1);
        }
    }

    private static (long Params, long Macs) Candidate(int b, int[] ops)
    {
        var (cin, cout, inSize, outSize) = BlockShapes[b];
        (long Params, long Macs) total = (0, 0);
        for (int layer = 0; layer < ops.Length; layer++)
        {
            var shape = layer == 0 ? new Shape(cin, cout, inSize, outSize) : new Shape(cout, cout, outSize, outSize);
            total = Add(total, Layer(shape, Ops[ops[layer]].Kernel, Ops[ops[layer]].Expansion));
        }
        return total;
    }

    /// <summary>MBConv with squeeze-excite: expand 1x1, depthwise kxk, squeeze-excite, project 1x1.</summary>
    private static (long Params, long Macs) Layer(Shape s, int kernel, int expansion)
    {
        long hidden = (long)s.InChannels * expansion, squeeze = Math.Max(1, s.InChannels / 4);
        long inPixels = (long)s.InSize * s.InSize, outPixels = (long)s.OutSize * s.OutSize;
        var cost = expansion == 1 ? (0L, 0L) : Conv(s.InChannels * hidden, hidden, inPixels);
        cost = Add(cost, Conv(kernel * kernel * hidden, hidden, outPixels));
        cost = Add(cost, (2 * hidden * squeeze + squeeze + hidden, 2 * hidden * squeeze));
        return Add(cost, Conv(hidden * s.OutChannels, s.OutChannels, outPixels));
    }

    /// <summary>A bias-free convolution followed by batch norm (two parameters per output channel).</summary>
    private static (long Params, long Macs) Conv(long weights, long channels, long pixels) => (weights + 2 * channels, weights * pixels);

    private static (long Params, long Macs) Add((long Params, long Macs) a, (long Params, long Macs) b) => (a.Params + b.Params, a.Macs + b.Macs);

    private static double Gaussian(StableRandom random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
