using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Randomness;

namespace DnaNas.Methods.OneShot;

/// <summary>A cost range a supernet's training paths are restricted to (SPOS's FLOPs bins), both ends inclusive.</summary>
public sealed record CostBin(CostKind Kind, long Min, long Max)
{
    public bool Contains(SearchSpace space, Architecture a)
    {
        var cost = CostModel.Of(space, a);
        long value = cost.In(Kind);
        return value >= Min && value <= Max;
    }

    public override string ToString() => $"{Budget.Describe(Kind, Min)} to {Budget.Describe(Kind, Max)}";
}

/// <summary>
/// Draws single paths uniformly: each block's depth uniform, each layer's op uniform (SPOS's per-layer uniform
/// choice), optionally only inside a cost bin, by rejection.
/// </summary>
public sealed class PathSampler(SearchSpace space, CostBin? bin = null)
{
    private const int MaxDraws = 10_000;
    private readonly ArchitectureGenes _genes = new(space);

    public CostBin? Bin { get; } = bin;

    public Architecture Sample(StableRandom rng)
    {
        for (int draw = 0; draw < MaxDraws; draw++)
        {
            var a = _genes.Decode(_genes.Cardinalities.Select(c => rng.Next(c)).ToArray());
            if (Bin is null || Bin.Contains(space, a)) return a;
        }
        throw new TrainingException($"no architecture in the cost bin {Bin} after {MaxDraws:N0} draws; widen the bin");
    }
}
