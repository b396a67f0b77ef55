using DnaNas.Space;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DnaNas.Modules;

/// <summary>
/// The whole network as one weight-sharing supernet (single-path one-shot, Guo et al. 2020): every block's cell
/// (<see cref="BlockSupernet"/>, every op at every layer position) and the fixed head. The path, one op index per
/// layer of every block (-1 for skip), is an argument of forward and never stored.
/// </summary>
public sealed class SinglePathSupernet : Module<Tensor, int[][], Tensor>
{
    private readonly ModuleList<BlockSupernet> blocks;
    private readonly Head head;

    public SearchSpace Space { get; }

    public SinglePathSupernet(SearchSpace space) : base(nameof(SinglePathSupernet))
    {
        if (space.SearchesWidths)
            throw new SpaceException($"space {space.Name} searches widths, and a single-path supernet holds one width a block: search it with dna run, or use a space without widths");
        Space = space;
        blocks = new ModuleList<BlockSupernet>(Enumerable.Range(0, space.Blocks.Count).Select(b => new BlockSupernet(space, b)).ToArray());
        head = new Head(space);
        RegisterComponents();
    }

    public int[][] PathOf(Architecture architecture) =>
        architecture.Blocks.Select((candidate, b) => blocks[b].PathOf(candidate)).ToArray();

    public override Tensor forward(Tensor x, int[][] path)
    {
        var y = x;
        for (int b = 0; b < blocks.Count; b++)
        {
            // Released once read, as in ConvBn; x is the caller's.
            var next = blocks[b].call(y, path[b]);
            if (!ReferenceEquals(y, x) && !ReferenceEquals(y, next)) y.Dispose();
            y = next;
        }
        var logits = head.call(y);
        if (!ReferenceEquals(y, x)) y.Dispose();
        return logits;
    }

    /// <summary>
    /// Copies every weight and batch-norm statistic except the classifier's from a supernet of the same space, so a
    /// supernet trained on one data set starts another with its features and a fresh classifier (Supernet Shifting's
    /// transfer). The spaces may differ in their number of classes only.
    /// </summary>
    public void CopyFeaturesFrom(SinglePathSupernet source)
    {
        if (source.Space with { Classes = Space.Classes, Name = Space.Name } != Space)
            throw new SpaceException("the source supernet belongs to another space; only the number of classes may differ");
        var mine = state_dict();
        using var _ = no_grad();
        foreach (var (name, tensor) in source.state_dict())
            if (!name.StartsWith("head.classifier.", StringComparison.Ordinal) && mine.TryGetValue(name, out var target))
                target.copy_(tensor);
    }
}
