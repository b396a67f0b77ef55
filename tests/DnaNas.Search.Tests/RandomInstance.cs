namespace DnaNas.Search.Tests;

/// <summary>A small random search problem, built to hit the corners: ties, negative ratings, sums that round.</summary>
internal sealed record RandomInstance(
    IReadOnlyList<IReadOnlyList<BlockOption>> Blocks, long FixedParams, long FixedMacs, Budget Budget, int K)
{
    private static readonly int[] Ks = [1, 3, 10];

    public override string ToString() =>
        $"{Blocks.Count} blocks of {string.Join("/", Blocks.Select(b => b.Count))} options, {Budget}, k={K}";

    /// <summary>2 to 5 blocks of 1 to 8 options, with random rating and cost styles and a random budget.</summary>
    public static RandomInstance Small(int seed) => Create(new Random(seed), blocks: (2, 5), options: (1, 8));

    /// <summary>Fewer, larger blocks, enough for the bound-based pruning to have something to prune.</summary>
    public static RandomInstance Medium(int seed) => Create(new Random(seed), blocks: (3, 4), options: (10, 20));

    /// <summary>
    /// Three blocks of 60 options sampled from the paper-scale instance, with low rating noise so that many
    /// options are near the cost-rating frontier: realistic input on which bound pruning removes the most.
    /// </summary>
    public static RandomInstance PaperScaleSlice(int seed) => Slice(seed, LowNoisePaperScale.Value, Ks);

    /// <summary>
    /// The same without rating noise, so that candidates of equal MACs tie exactly, and with k of 10 to 100:
    /// the heuristic's threshold is loose there, which is where the search's tighter trial thresholds pay.
    /// </summary>
    public static RandomInstance TiedPaperScaleSlice(int seed) => Slice(seed, NoiselessPaperScale.Value, [10, 30, 100]);

    private static readonly Lazy<PaperScaleInstance> LowNoisePaperScale = new(() => PaperScaleInstance.Create(seed: 5, noise: 0.003));
    private static readonly Lazy<PaperScaleInstance> NoiselessPaperScale = new(() => PaperScaleInstance.Create(seed: 5, noise: 0.0));

    private static RandomInstance Slice(int seed, PaperScaleInstance paperScale, int[] ks)
    {
        var random = new Random(seed);
        var kind = random.Next(2) == 0 ? CostKind.Params : CostKind.Macs;
        var blocks = new List<IReadOnlyList<BlockOption>>();
        for (int b = 0; b < 3; b++)
            blocks.Add([.. paperScale.Blocks[random.Next(1, 5)].OrderBy(_ => random.Next()).Take(60)]);
        long cheapest = blocks.Sum(block => block.Min(o => o.Cost(kind)));
        long dearest = blocks.Sum(block => block.Max(o => o.Cost(kind)));
        var budget = new Budget(kind, cheapest + (long)(random.NextDouble() * (dearest - cheapest)));
        return new RandomInstance(blocks, 0, 0, budget, ks[random.Next(ks.Length)]);
    }

    private static RandomInstance Create(Random random, (int Min, int Max) blocks, (int Min, int Max) options)
    {
        var kind = random.Next(2) == 0 ? CostKind.Params : CostKind.Macs;
        var ratingStyle = random.Next(4);
        var costStyle = random.Next(3);
        int blockCount = random.Next(blocks.Min, blocks.Max + 1);
        var list = new List<IReadOnlyList<BlockOption>>();
        for (int b = 0; b < blockCount; b++)
        {
            int count = random.Next(options.Min, options.Max + 1);
            // Candidate indices are distinct but neither contiguous nor sorted, as after a caller's filtering.
            var candidates = Enumerable.Range(0, 2 * options.Max).OrderBy(_ => random.Next()).Take(count).ToArray();
            var block = new List<BlockOption>();
            foreach (int candidate in candidates)
            {
                long parameters = Cost(random, costStyle), macs = Cost(random, costStyle);
                block.Add(new BlockOption(candidate, Rating(random, ratingStyle, kind == CostKind.Params ? parameters : macs), parameters, macs));
            }
            list.Add(block);
        }
        long fixedParams = Cost(random, costStyle), fixedMacs = Cost(random, costStyle);

        long fixedCost = kind == CostKind.Params ? fixedParams : fixedMacs;
        long cheapest = fixedCost + list.Sum(block => block.Min(o => o.Cost(kind)));
        long dearest = fixedCost + list.Sum(block => block.Max(o => o.Cost(kind)));
        long limit = random.Next(6) switch
        {
            0 => cheapest - 1 - random.Next(3),   // infeasible
            1 => cheapest,                        // only the cheapest fit
            2 => dearest + random.Next(3),        // everything fits
            _ => cheapest + (long)(random.NextDouble() * (dearest - cheapest)),
        };
        return new RandomInstance(list, fixedParams, fixedMacs, new Budget(kind, limit), Ks[random.Next(Ks.Length)]);
    }

    private static long Cost(Random random, int style) => style switch
    {
        0 => random.Next(0, 6),                                  // many equal costs
        1 => random.Next(0, 1000),
        _ => (long)(random.NextDouble() * 1e10),                 // paper-scale magnitudes
    };

    private static double Rating(Random random, int style, long cost) => style switch
    {
        0 => random.Next(-3, 4) * 0.5,                           // many exact ties, negatives
        1 => random.Next(1, 10) * 0.1,                           // sums that round differently by order
        2 => random.NextDouble() * 4 - 2,
        _ => 1.0 - 0.05 * Math.Log(1.0 + cost) + 0.02 * random.NextDouble(), // falls with cost, as distillation losses do
    };
}
