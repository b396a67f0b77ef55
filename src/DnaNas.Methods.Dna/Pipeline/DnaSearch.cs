using DnaNas.Methods.Dna;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <param name="Micros">Predicted microseconds per image by the latency table the search kept to, if any.</param>
public sealed record SearchedArchitecture(string Architecture, double Rating, long Params, long Macs, double? Micros = null);
/// <param name="MaxMicros">The latency limit the search kept to, if any (us/image by the table).</param>
/// <param name="BaselineMicros">The baseline's prediction by the same table, when the limit was set relative to it.</param>
public sealed record SearchOutcome(string Budget, SearchedArchitecture Best, IReadOnlyList<SearchedArchitecture> Top, double Seconds,
    double? MaxMicros = null, double? BaselineMicros = null);

/// <summary>A second limit for the search: at most <paramref name="MaxMicros"/> per image by a measured latency table.</summary>
/// <param name="BaselineMicros">The baseline's prediction, when the limit is a multiple of it (<see cref="RelativeToBaseline"/>).</param>
public sealed record LatencyLimit(LatencyTable Table, double MaxMicros, double? BaselineMicros = null)
{
    /// <summary>At most <paramref name="ratio"/> times the predicted time of the baseline of this budget (<see cref="UniformBaseline"/>).</summary>
    public static LatencyLimit RelativeToBaseline(LatencyTable table, SearchSpace space, CostKind kind, long budget, double ratio)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratio);
        double baseline = table.Of(space, UniformBaseline.For(space, kind, budget));
        return new LatencyLimit(table, ratio * baseline, baseline);
    }

    public override string ToString() =>
        $"{MaxMicros:N0} us/image ({(Table.Runtime == LatencyRuntime.OnnxRuntime ? "ONNX Runtime " : "")}{Table.Mode.ToString().ToLowerInvariant()}, latency table)";
}

/// <summary>Exact constrained search over a run's ratings database: lowest sum of block ratings under the budget (DNA, Sec. 3.4).</summary>
public static class DnaSearch
{
    /// <param name="latency">A second limit, kept exactly too (<see cref="SecondLimitSearch"/>); null: the budget alone.</param>
    public static SearchOutcome Run(SearchSpace space, string ratingsPath, CostKind kind, long budget, int topK, LatencyLimit? latency = null)
    {
        latency?.Table.CheckFor(space);
        if (!File.Exists(ratingsPath))
            throw new TrainingException($"{ratingsPath} does not exist: rate the blocks first (dna run)");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var store = new RatingStore(ratingsPath);
        if (space.SearchesWidths) return RunWithWidths(space, store, kind, budget, topK, latency, clock);
        var blocks = AllRatings(space, store);
        var options = blocks.Select(rows => (IReadOnlyList<BlockOption>)rows.Select((r, i) => new BlockOption(i, r.ScaledMae, r.Params, r.Macs)).ToArray()).ToArray();
        var fixedCost = CostModel.Stem(space) + CostModel.Head(space);
        // Per block and option, its predicted time: the second limit adds up over blocks like the budget.
        double[][]? micros = latency is null ? null : blocks.Select((rows, b) =>
            rows.Select(r => latency.Table.Of(b, r.Candidate)).ToArray()).ToArray();
        double Micros(IReadOnlyList<int> candidates) => latency!.Table.Predict(latency.Table.FixedMicros + candidates.Select((c, b) => micros![b][c]).Sum());
        var limit = new Budget(kind, budget);
        IReadOnlyList<RankedArchitecture> ranked;
        try
        {
            ranked = latency is null
                ? ExactSearch.TopK(options, fixedCost.Params, fixedCost.Macs, limit, topK)
                : SecondLimitSearch.TopK(options, fixedCost.Params, fixedCost.Macs, limit, topK, c => Micros(c) <= latency.MaxMicros);
        }
        catch (InfeasibleBudgetException e) { throw new TrainingException(e.Message); }
        catch (SecondLimitTooTightException e) { throw new TrainingException(e.Message); }
        if (ranked.Count == 0)
            throw new TrainingException($"no architecture under {limit} keeps within {latency}: raise the latency limit or the budget");
        var top = ranked.Select(r => new SearchedArchitecture(
            string.Join('/', r.Candidates.Select((c, b) => blocks[b][c].Candidate)), r.Rating, r.Params, r.Macs,
            latency is null ? null : Micros(r.Candidates))).ToArray();
        string described = latency is null ? limit.ToString() : $"{limit} and {latency}";
        return new SearchOutcome(described, top[0], top, clock.Elapsed.TotalSeconds, latency?.MaxMicros, latency?.BaselineMicros);
    }

    /// <summary>Every block's ratings of a fixed-width space, all candidates of each, or a one-line error saying how to finish them.</summary>
    internal static IReadOnlyList<IReadOnlyList<StoredRating>> AllRatings(SearchSpace space, RatingStore store)
    {
        var blocks = new List<IReadOnlyList<StoredRating>>();
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var rows = store.Block(b);
            if (rows.Count != (int)space.CandidateCount(b))
                throw new TrainingException($"{store.Path} holds {rows.Count} of {space.CandidateCount(b)} ratings of block {b + 1}: finish rating with dna run --resume");
            blocks.Add(rows);
        }
        return blocks;
    }

    /// <summary>
    /// The same over ops, depth and widths (<see cref="WidthSearch"/>): each block's candidates at each width with
    /// their ratings, and their costs (and predicted times) after each width of the block before.
    /// </summary>
    private static SearchOutcome RunWithWidths(SearchSpace space, RatingStore store, CostKind kind, long budget, int topK, LatencyLimit? latency,
        System.Diagnostics.Stopwatch clock)
    {
        var names = new List<string[][]>(); // [block][width][option]: the candidate's string
        var blocks = new List<IReadOnlyList<IReadOnlyList<WidthOption>>>();
        var micros = new List<double[][][]>(); // [block][width][previous width][option]: predicted us/image, with a latency limit
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var spec = space.Blocks[b];
            var before = b == 0 ? [spec.Channels] : space.Blocks[b - 1].WidthChoices;
            var atWidths = new List<IReadOnlyList<WidthOption>>();
            var namesAt = new List<string[]>();
            var microsAt = new List<double[][]>();
            foreach (var cell in BlockCell.Of(space, b))
            {
                var rows = store.Block(b, cell.StoredWidth);
                if (rows.Count != (int)space.CandidateCount(b))
                    throw new TrainingException($"{store.Path} holds {rows.Count} of {space.CandidateCount(b)} ratings of {cell.Describe(space)}: finish rating with dna run --resume");
                var spaces = before.Select(p => space.AtBlockWidth(b, cell.Width, p)).ToArray();
                atWidths.Add(rows.Select((r, i) =>
                {
                    var candidate = Candidate.Parse(r.Candidate);
                    var costs = spaces.Select(s => CostModel.Candidate(s, b, candidate)).ToArray();
                    return new WidthOption(i, r.ScaledMae, costs.Select(c => c.Params).ToArray(), costs.Select(c => c.Macs).ToArray());
                }).ToArray());
                namesAt.Add(rows.Select(r => r.Candidate).ToArray());
                if (latency is not null)
                    microsAt.Add(spaces.Select(s => rows.Select(r => latency.Table.Of(s, b, Candidate.Parse(r.Candidate))).ToArray()).ToArray());
            }
            blocks.Add(atWidths);
            names.Add(namesAt.ToArray());
            micros.Add(microsAt.ToArray());
        }
        var last = space.Blocks.Count - 1;
        var heads = space.Blocks[last].WidthChoices.Select(w => CostModel.Head(space.AtBlockWidth(last, w))).ToArray();
        var stem = CostModel.Stem(space);
        var problem = new WidthProblem(blocks, stem.Params, stem.Macs, heads.Select(h => h.Params).ToArray(), heads.Select(h => h.Macs).ToArray());
        var limit = new Budget(kind, budget);
        // A network's predicted time: stem and head after its last width, and each block's option after the width before it.
        var fixedMicros = latency is null ? null : space.Blocks[last].WidthChoices.Select(w => latency.Table.Fixed(space, w)).ToArray();
        double Micros(IReadOnlyList<int> widths, IReadOnlyList<int> candidates) => latency!.Table.Predict(
            fixedMicros![widths[^1]] + candidates.Select((c, b) => micros[b][widths[b]][b == 0 ? 0 : widths[b - 1]][c]).Sum());
        IReadOnlyList<WidthRankedArchitecture> ranked;
        try { ranked = WidthSearch.TopK(problem, limit, topK, latency is null ? null : (w, c) => Micros(w, c) <= latency.MaxMicros); }
        catch (InfeasibleBudgetException e) { throw new TrainingException(e.Message); }
        catch (SecondLimitTooTightException e) { throw new TrainingException(e.Message); }
        if (ranked.Count == 0)
            throw new TrainingException($"no architecture under {limit} keeps within {latency}: raise the latency limit or the budget");
        var top = ranked.Select(r =>
        {
            var architecture = Architecture.Parse(string.Join('/', r.Candidates.Select((c, b) => names[b][r.Widths[b]][c])), space)
                .WithWidths(space, r.Widths.Select((w, b) => space.Blocks[b].WidthChoices[w]).ToArray());
            return new SearchedArchitecture(architecture.ToString(), r.Rating, r.Params, r.Macs, latency is null ? null : Micros(r.Widths, r.Candidates));
        }).ToArray();
        string described = latency is null ? limit.ToString() : $"{limit} and {latency}";
        return new SearchOutcome(described, top[0], top, clock.Elapsed.TotalSeconds, latency?.MaxMicros, latency?.BaselineMicros);
    }
}
