using DnaNas.Space;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DnaNas.Modules;

/// <summary>
/// One block's weight-sharing cell (DNA, Li et al. 2020, Sec. 3.2): every op of the space at every layer position,
/// one module each, built by the op's family (<see cref="OpModules"/>), sharing nothing but the position. A path is one op index per layer, -1 for skip
/// (skips only close a block). The path is passed to <see cref="forward"/> explicitly, never stored, so no state
/// leaks from one call to the next. Block 0 also holds a stem, since its input is the image itself.
/// A cell at another width than its teacher's block (width search) ends in a learned 1x1 projection to the
/// teacher's channels, so its output can be compared with the teacher's; the projection is the cell's, not the
/// candidate's, and is shared by every path through it.
/// </summary>
public sealed class BlockSupernet : Module<Tensor, int[], Tensor>
{
    private readonly Stem? stem;
    private readonly ModuleList<ModuleList<Module<Tensor, Tensor>>> layers;
    private readonly Conv2d? projection;

    public SearchSpace Space { get; }
    public int BlockIndex { get; }

    /// <param name="space">A fixed-width space (<see cref="SearchSpace.AtBlockWidth"/> for one width of a width search).</param>
    /// <param name="targetChannels">The teacher block's output channels when they differ from the cell's: adds the projection.</param>
    public BlockSupernet(SearchSpace space, int blockIndex, int? targetChannels = null) : base(nameof(BlockSupernet))
    {
        if (space.SearchesWidths) throw new SpaceException($"space {space.Name} still has width choices: build a cell at one width (SearchSpace.AtBlockWidth)");
        Space = space;
        BlockIndex = blockIndex;
        int channels = space.Blocks[blockIndex].Channels;
        if (targetChannels is { } target && target != channels)
            projection = Conv2d(channels, target, 1);
        if (blockIndex == 0) stem = new Stem(space);
        layers = new ModuleList<ModuleList<Module<Tensor, Tensor>>>();
        for (int l = 0; l < space.Blocks[blockIndex].Layers; l++)
        {
            var shape = space.Layer(blockIndex, l);
            layers.Add(new ModuleList<Module<Tensor, Tensor>>(space.Ops.Select(op => OpModules.Build(op, shape, space.OpSettings)).ToArray()));
        }
        RegisterComponents();
    }

    public int LayerCount => layers.Count;

    /// <summary>Op indices of a candidate, -1 for skip.</summary>
    public int[] PathOf(Candidate candidate) =>
        candidate.Layers.Select(op => op.IsSkip ? -1 : IndexOfOp(op)).ToArray();

    private int IndexOfOp(Op op)
    {
        for (int i = 0; i < Space.Ops.Count; i++) if (Space.Ops[i] == op) return i;
        throw new SpaceException($"op {op} is not in space {Space.Name}");
    }

    public override Tensor forward(Tensor x, int[] path)
    {
        var y = Input(x);
        for (int l = 0; l < path.Length && path[l] >= 0; l++)
        {
            // Released once read, as in ConvBn: the walk's caller keeps only what it returns.
            var next = layers[l][path[l]].call(y);
            if (!ReferenceEquals(next, y)) y.Dispose();
            y = next;
        }
        return Project(y);
    }

    /// <summary>A path's output as the teacher's block sees it: through the projection, if the cell has one (the input is then released).</summary>
    public Tensor Project(Tensor output)
    {
        if (projection is null) return output;
        var projected = projection.call(output);
        output.Dispose();
        return projected;
    }

    /// <summary>Whether the cell ends in a projection (its width differs from its teacher block's).</summary>
    public bool Projects => projection is not null;

    /// <summary>The block's input after the stem (block 0) or unchanged (other blocks).</summary>
    public Tensor Input(Tensor x) => stem is null ? x.alias() : stem.call(x);

    /// <summary>One op of one layer position, for rating walks that share prefixes between candidates.</summary>
    public Module<Tensor, Tensor> Op(int layer, int op) => layers[layer][op];

    /// <summary>The stem of block 0, null for other blocks.</summary>
    public Stem? StemModule => stem;
}
