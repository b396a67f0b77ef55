using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training.Rating;

namespace DnaNas.Training.Dna;

public sealed record SearchedArchitecture(string Architecture, double Rating, long Params, long Macs);
public sealed record SearchOutcome(string Budget, SearchedArchitecture Best, IReadOnlyList<SearchedArchitecture> Top, double Seconds);

/// <summary>Exact constrained search over a run's ratings database: lowest sum of block ratings under the budget (DNA, Sec. 3.4).</summary>
public static class DnaSearch
{
    public static SearchOutcome Run(SearchSpace space, string ratingsPath, CostKind kind, long budget, int topK)
    {
        if (!File.Exists(ratingsPath))
            throw new TrainingException($"{ratingsPath} does not exist: rate the blocks first (dna run)");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var store = new RatingStore(ratingsPath);
        var blocks = new List<IReadOnlyList<StoredRating>>();
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var rows = store.Block(b);
            if (rows.Count != (int)space.CandidateCount(b))
                throw new TrainingException($"{ratingsPath} holds {rows.Count} of {space.CandidateCount(b)} ratings of block {b + 1}: finish rating with dna run --resume");
            blocks.Add(rows);
        }
        var options = blocks.Select(rows => (IReadOnlyList<BlockOption>)rows.Select((r, i) => new BlockOption(i, r.ScaledMae, r.Params, r.Macs)).ToArray()).ToArray();
        var fixedCost = CostModel.Stem(space) + CostModel.Head(space);
        IReadOnlyList<RankedArchitecture> ranked;
        try { ranked = ExactSearch.TopK(options, fixedCost.Params, fixedCost.Macs, new Budget(kind, budget), topK); }
        catch (InfeasibleBudgetException e) { throw new TrainingException(e.Message); }
        var top = ranked.Select(r => new SearchedArchitecture(
            string.Join('/', r.Candidates.Select((c, b) => blocks[b][c].Candidate)), r.Rating, r.Params, r.Macs)).ToArray();
        return new SearchOutcome(new Budget(kind, budget).ToString(), top[0], top, clock.Elapsed.TotalSeconds);
    }
}
