namespace DnaNas.Search;

/// <summary>
/// One candidate of one block as the search sees it: its index within the block, its rating (lower is better,
/// a distillation loss) and its costs. Ratings and costs are per block because DNA rates every candidate of
/// every block separately and both add up over blocks (DNA, Li et al. CVPR 2020: an architecture's score and cost are sums of its blocks').
/// </summary>
public readonly record struct BlockOption(int Candidate, double Rating, long Params, long Macs)
{
    public long Cost(CostKind kind) => kind == CostKind.Params ? Params : Macs;
}
