using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DnaNas.Methods.Dna;

/// <summary>Global average pooling, then a two-layer MLP with batch norm: BYOL's projector and predictor alike.</summary>
public sealed class ProjectionHead : Module<Tensor, Tensor>
{
    private readonly Sequential mlp;

    public ProjectionHead(int inChannels, int hiddenChannels, int outChannels) : base(nameof(ProjectionHead))
    {
        mlp = Sequential(Linear(inChannels, hiddenChannels), BatchNorm1d(hiddenChannels), ReLU(), Linear(hiddenChannels, outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => mlp.call(x.dim() == 4 ? x.mean([2, 3]) : x);
}

/// <summary>
/// One block of DNA++: the online cell with its projector (and predictor), and the momentum target: a copy of the
/// cell and projector that follows them by an exponential moving average and never gets a gradient. Fields are named
/// as the checkpoint's keys.
/// </summary>
public sealed class SelfSupervisedCell : Module
{
    private readonly BlockSupernet online;
    private readonly ProjectionHead online_projector;
    private readonly ProjectionHead? predictor;
    private readonly BlockSupernet target;
    private readonly ProjectionHead target_projector;

    public SelfSupervisedCell(SearchSpace space, int block, SelfSupervisedRecipe recipe) : base(nameof(SelfSupervisedCell))
    {
        int channels = space.Blocks[block].Channels;
        online = new BlockSupernet(space, block);
        online_projector = new ProjectionHead(channels, recipe.HiddenChannels, recipe.ProjectionChannels);
        if (recipe.Predictor) predictor = new ProjectionHead(recipe.ProjectionChannels, recipe.HiddenChannels, recipe.ProjectionChannels);
        target = new BlockSupernet(space, block);
        target_projector = new ProjectionHead(channels, recipe.HiddenChannels, recipe.ProjectionChannels);
        RegisterComponents();
        using (no_grad())
        {
            Follow(target, online, momentum: 0);
            Follow(target_projector, online_projector, momentum: 0);
        }
        foreach (var p in target.parameters().Concat(target_projector.parameters())) p.requires_grad = false;
    }

    public BlockSupernet Online => online;
    /// <summary>The momentum cell: what rating walks, and what later blocks read their inputs through.</summary>
    public BlockSupernet Target => target;
    public ProjectionHead TargetProjector => target_projector;

    /// <summary>What the optimizer trains: the online side only.</summary>
    public IEnumerable<Parameter> OnlineParameters() =>
        online.parameters().Concat(online_projector.parameters()).Concat(predictor?.parameters() ?? []);

    /// <summary>The online projection of a block input along a path, and its prediction (the projection itself without a predictor).</summary>
    public (Tensor Projection, Tensor Prediction) Predict(Tensor x, int[] path)
    {
        var z = online_projector.call(online.call(x, path));
        return (z, predictor is null ? z : predictor.call(z));
    }

    /// <summary>The target's L2-normalised projection of a block input along a path.</summary>
    public Tensor TargetProjection(Tensor x, int[] path) => nn.functional.normalize(target_projector.call(target.call(x, path)), dim: 1);

    /// <summary>Moves the target toward the online side: target = m x target + (1 - m) x online; batch-norm statistics are copied.</summary>
    public void UpdateTarget(double momentum)
    {
        using var _ = no_grad();
        Follow(target, online, momentum);
        Follow(target_projector, online_projector, momentum);
    }

    private static void Follow(Module follower, Module leader, double momentum)
    {
        using var keep = momentum.ToScalar();     // held through every call (see HeldScalars)
        using var take = (1 - momentum).ToScalar();
        foreach (var (f, l) in follower.parameters().Zip(leader.parameters()))
            f.mul_(keep).add_(l, alpha: take);
        foreach (var (f, l) in follower.buffers().Zip(leader.buffers()))
            f.copy_(l);
    }
}
