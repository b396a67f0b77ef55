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
/// </summary>
public sealed class BlockSupernet : Module<Tensor, int[], Tensor>
{
    private readonly Stem? stem;
    private readonly ModuleList<ModuleList<Module<Tensor, Tensor>>> layers;

    public SearchSpace Space { get; }
    public int BlockIndex { get; }

    public BlockSupernet(SearchSpace space, int blockIndex) : base(nameof(BlockSupernet))
    {
        Space = space;
        BlockIndex = blockIndex;
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
        return y;
    }

    /// <summary>The block's input after the stem (block 0) or unchanged (other blocks).</summary>
    public Tensor Input(Tensor x) => stem is null ? x.alias() : stem.call(x);

    /// <summary>One op of one layer position, for rating walks that share prefixes between candidates.</summary>
    public Module<Tensor, Tensor> Op(int layer, int op) => layers[layer][op];

    /// <summary>The stem of block 0, null for other blocks.</summary>
    public Stem? StemModule => stem;
}
