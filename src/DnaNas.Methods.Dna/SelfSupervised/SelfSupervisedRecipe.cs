namespace DnaNas.Methods.Dna;

/// <summary>
/// DNA++'s block-wise self-supervision (no teacher), in the design of ../shared/docs/methods.md after BossNAS: per
/// block an online cell and a momentum (EMA) target cell, two augmented views of every image, an ensemble target
/// (the mean of the L2-normalised target projections over several sampled paths), a BYOL prediction loss and a
/// variance hinge against collapse. The block cells' epochs, batch and learning rate are <see cref="DnaConfig.BlockRecipe"/>'s.
/// </summary>
public sealed record SelfSupervisedRecipe
{
    /// <summary>Paths sampled each step; the ensemble target is their mean. BossNAS uses 4; 2 halves the cost on a CPU.</summary>
    public int Paths { get; init; } = 2;
    /// <summary>The target cell's momentum (BossNAS: 0.99, raised toward 1 over training by a cosine).</summary>
    public double Momentum { get; init; } = 0.99;
    public int ProjectionChannels { get; init; } = 64;
    public int HiddenChannels { get; init; } = 128;
    /// <summary>Weight of the variance hinge (each feature's spread across the batch held up to 1); 0 turns it off.</summary>
    public double VarianceWeight { get; init; } = 1.0;
    /// <summary>Whether the online side predicts the target through a predictor (BYOL); without it and the hinge, the cells collapse.</summary>
    public bool Predictor { get; init; } = true;
    /// <summary>Paths whose mean target projection is the ensemble target a candidate is rated against.</summary>
    public int RatingPaths { get; init; } = 8;
    /// <summary>
    /// Below this spread the cell has collapsed and the run stops: the mean over features of the batch standard
    /// deviation of the normalised projections, times the square root of their width (about 1 for a spread-out
    /// batch, 0 when every image maps to the same point).
    /// </summary>
    public double CollapseSpread { get; init; } = 0.1;

    /// <summary>A one-line reason the recipe cannot run, or null.</summary>
    public string? Problem() =>
        Paths < 1 || RatingPaths < 1 ? "self-supervision needs at least one path per step and one rating path"
        : Momentum is < 0 or >= 1 ? $"the target momentum must be in [0, 1), got {Momentum}"
        : ProjectionChannels < 2 || HiddenChannels < 1 ? "the projection needs at least 2 channels"
        : VarianceWeight < 0 ? $"the variance weight must be 0 or more, got {VarianceWeight}"
        : null;
}
