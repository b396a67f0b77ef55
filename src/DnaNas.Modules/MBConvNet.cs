using DnaNas.Space;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DnaNas.Modules;

/// <summary>The fixed stem: a k x k conv, then optionally a fixed depthwise-separable layer.</summary>
public sealed class Stem : Module<Tensor, Tensor>
{
    private readonly ConvBn conv;
    private readonly Module<Tensor, Tensor>? separable;

    public Stem(SearchSpace space) : base(nameof(Stem))
    {
        var s = space.Stem;
        conv = new ConvBn(space.InputChannels, s.Channels, s.Kernel, s.Stride, space.Activation);
        if (s.SeparableChannels > 0)
            separable = OpModules.Build(SearchSpace.StemSeparableOp, space.StemSeparableShape, space.OpSettings);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = conv.call(x);
        if (separable is null) return y;
        var z = separable.call(y);
        y.Dispose(); // released as soon as read, as in ConvBn
        return z;
    }
}

/// <summary>The fixed head: optional 1x1 conv, global average pooling, dropout, linear classifier.</summary>
public sealed class Head : Module<Tensor, Tensor>
{
    private readonly ConvBn? conv;
    private readonly Dropout dropout;
    private readonly Linear classifier;

    public Head(SearchSpace space) : base(nameof(Head))
    {
        if (space.Head.Channels > 0) conv = new ConvBn(space.LastBlockChannels, space.Head.Channels, 1, 1, space.Activation);
        dropout = Dropout(space.Head.Dropout);
        classifier = Linear(space.FeatureChannels, space.Classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = conv is null ? x : conv.call(x);
        var pooled = functional.adaptive_avg_pool2d(y, 1).flatten(1);
        if (!ReferenceEquals(y, x)) y.Dispose(); // the head's widest map, released once pooled (see ConvBn)
        return classifier.call(dropout.call(pooled));
    }
}

/// <summary>
/// One block of a chosen architecture: its non-skip layers in order. A block whose candidate is all skips
/// cannot occur (min depth is at least 1), so the block always changes width and stride as the space says.
/// </summary>
public sealed class Block : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> layers;

    public Block(SearchSpace space, int blockIndex, Candidate candidate) : base(nameof(Block))
    {
        layers = new ModuleList<Module<Tensor, Tensor>>();
        for (int l = 0; l < candidate.Layers.Count; l++)
        {
            var op = candidate.Layers[l];
            if (op.IsSkip) break;
            layers.Add(OpModules.Build(op, space.Layer(blockIndex, l), space.OpSettings));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        // Each layer's output is released once the next has read it (see ConvBn); the input is the caller's.
        var y = x;
        foreach (var layer in layers)
        {
            var next = layer.call(y);
            if (!ReferenceEquals(y, x) && !ReferenceEquals(y, next)) y.Dispose();
            y = next;
        }
        return y;
    }
}

/// <summary>
/// A stand-alone network for one architecture of a space: stem, one <see cref="Block"/> per searched block, head.
/// Checkpoint keys follow the field names: <c>stem.*</c>, <c>blocks.{b}.layers.{l}.*</c>, <c>head.*</c>.
/// </summary>
public sealed class MBConvNet : Module<Tensor, Tensor>
{
    private readonly Stem stem;
    private readonly ModuleList<Block> blocks;
    private readonly Head head;

    public SearchSpace Space { get; }
    public Architecture Architecture { get; }

    public MBConvNet(SearchSpace space, Architecture architecture) : base(nameof(MBConvNet))
    {
        if (architecture.Blocks.Count != space.Blocks.Count)
            throw new SpaceException($"architecture has {architecture.Blocks.Count} blocks, space {space.Name} has {space.Blocks.Count}");
        Space = space;
        Architecture = architecture;
        var at = space.At(architecture); // the widths this architecture gives its blocks
        stem = new Stem(at);
        blocks = new ModuleList<Block>(
            architecture.Blocks.Select((candidate, b) => new Block(at, b, candidate)).ToArray());
        head = new Head(at);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = stem.call(x);
        foreach (var block in blocks)
        {
            var next = block.call(y);
            if (!ReferenceEquals(next, y)) y.Dispose(); // released once read (see ConvBn)
            y = next;
        }
        var logits = head.call(y);
        y.Dispose();
        return logits;
    }

    /// <summary>
    /// The output of every block (block 0 includes the stem) and the logits: what a teacher supplies to block-wise
    /// distillation. Call in eval mode under no_grad for teacher features.
    /// </summary>
    public (Tensor[] Blocks, Tensor Logits) ForwardBlocks(Tensor x)
    {
        var outputs = new Tensor[blocks.Count];
        var y = stem.call(x);
        for (int b = 0; b < blocks.Count; b++) y = outputs[b] = blocks[b].call(y);
        return (outputs, head.call(y));
    }

    /// <summary>Number of trainable parameters, counted from the tensors themselves.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());
}
