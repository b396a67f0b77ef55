namespace DnaNas.Space;

/// <summary>The spaces shipped with the tool, and resolution of a <c>--space</c> argument (built-in name or JSON file).</summary>
public static class BuiltinSpaces
{
    /// <summary>MBConv kernel {3,5,7} x expansion {3,6}: the six ops of the DNA space.</summary>
    public static readonly IReadOnlyList<Op> DnaOps =
        [new MBConvOp(3, 3), new MBConvOp(3, 6), new MBConvOp(5, 3), new MBConvOp(5, 6), new MBConvOp(7, 3), new MBConvOp(7, 6)];

    /// <summary>
    /// Sized for 28x28 gray images and 2 CPU cores: a stride-1 stem keeps full resolution for one cheap conv,
    /// then four blocks at 14, 7, 7 and 4 pixels. No squeeze-excite and ReLU, because on CPUs both cost more
    /// time than they return accuracy at this size.
    /// </summary>
    public static SearchSpace FmnistMbconv { get; } = new SearchSpace
    {
        Name = "fmnist-mbconv",
        InputSize = 28,
        InputChannels = 1,
        Classes = 10,
        Stem = new StemSpec(Channels: 16, Kernel: 3, Stride: 1),
        Blocks =
        [
            new BlockSpec(Stride: 2, Channels: 24, Layers: 2, MinLayers: 1),
            new BlockSpec(Stride: 2, Channels: 40, Layers: 3, MinLayers: 1),
            new BlockSpec(Stride: 1, Channels: 64, Layers: 3, MinLayers: 1),
            new BlockSpec(Stride: 2, Channels: 96, Layers: 2, MinLayers: 1),
        ],
        Ops = DnaOps,
        Head = new HeadSpec(Channels: 256, Dropout: 0.1),
        SqueezeExcite = false,
        Activation = Activation.Relu,
    }.Validate();

    /// <summary>
    /// fmnist-mbconv with each block's output width searched too: about 0.75x, 1x and 1.25x of its width, in steps of
    /// 8 channels. The reference widths are fmnist-mbconv's, so its teacher, baselines and ground-truth networks are
    /// this space's networks at those widths.
    /// </summary>
    public static SearchSpace FmnistMbconvWidths { get; } = (FmnistMbconv with
    {
        Name = "fmnist-mbconv-widths",
        Blocks = FmnistMbconv.Blocks.Zip<BlockSpec, int[], BlockSpec>([[16, 24, 32], [32, 40, 48], [48, 64, 80], [72, 96, 120]], (b, w) => b with { Widths = w }).ToArray(),
    }).Validate();

    /// <summary>Attention heads {2, 4} x MLP ratio {1, 2}: the four ops of the ViT space.</summary>
    public static readonly IReadOnlyList<Op> VitOps = [new TransformerOp(2, 1), new TransformerOp(2, 2), new TransformerOp(4, 1), new TransformerOp(4, 2)];

    /// <summary>
    /// A small pyramid vision transformer for 28x28 gray images (PiT/CPVT style, <see cref="TransformerFamily"/>): a
    /// 3x3 stride-2 convolution embeds 14x14 patches of 2x2 pixels; three blocks of transformer layers at 7x7 (49
    /// tokens), 4x4 and 4x4 tokens, 48, 72 and 96 wide, each block's first layer merging the tokens to its width
    /// and resolution; heads, MLP ratio and depth are searched per layer; pooled tokens feed the classifier. Sized so
    /// that its networks (about 100-330K parameters) cost what the CNN space's do. The embedding width of each block
    /// is fixed here and searched in <see cref="FmnistVitWidths"/>.
    /// </summary>
    public static SearchSpace FmnistVit { get; } = new SearchSpace
    {
        Name = "fmnist-vit",
        InputSize = 28,
        InputChannels = 1,
        Classes = 10,
        Stem = new StemSpec(Channels: 24, Kernel: 3, Stride: 2),
        Blocks =
        [
            new BlockSpec(Stride: 2, Channels: 48, Layers: 2, MinLayers: 1),
            new BlockSpec(Stride: 2, Channels: 72, Layers: 3, MinLayers: 1),
            new BlockSpec(Stride: 1, Channels: 96, Layers: 2, MinLayers: 1),
        ],
        Ops = VitOps,
        Head = new HeadSpec(Channels: 0, Dropout: 0.1),
        SqueezeExcite = false,
        Activation = Activation.Swish,
    }.Validate();

    /// <summary>
    /// fmnist-vit with each block's embedding width searched too (about 0.75x, 1x and 1.25x, every width divisible by
    /// the 4 heads), the ViT's width choice; its reference widths are fmnist-vit's.
    /// </summary>
    public static SearchSpace FmnistVitWidths { get; } = (FmnistVit with
    {
        Name = "fmnist-vit-widths",
        Blocks = FmnistVit.Blocks.Zip<BlockSpec, int[], BlockSpec>([[36, 48, 60], [56, 72, 88], [72, 96, 120]], (b, w) => b with { Widths = w }).ToArray(),
    }).Validate();

    /// <summary>
    /// The official DNA ImageNet space (Li et al., CVPR 2020): EfficientNet-B0's stem and fixed first stage,
    /// six searched blocks of 2,4,4,4,4,1 layers with the six MBConv ops, squeeze-excite and swish, 224x224.
    /// Depth is searched by trailing skips down to 2 layers in the 4-layer blocks.
    /// </summary>
    public static SearchSpace ImagenetDna { get; } = new SearchSpace
    {
        Name = "imagenet-dna",
        InputSize = 224,
        InputChannels = 3,
        Classes = 1000,
        Stem = new StemSpec(Channels: 32, Kernel: 3, Stride: 2, SeparableChannels: 16),
        Blocks =
        [
            new BlockSpec(Stride: 2, Channels: 24, Layers: 2, MinLayers: 1),
            new BlockSpec(Stride: 2, Channels: 40, Layers: 4, MinLayers: 2),
            new BlockSpec(Stride: 2, Channels: 80, Layers: 4, MinLayers: 2),
            new BlockSpec(Stride: 1, Channels: 112, Layers: 4, MinLayers: 2),
            new BlockSpec(Stride: 2, Channels: 192, Layers: 4, MinLayers: 2),
            new BlockSpec(Stride: 1, Channels: 320, Layers: 1, MinLayers: 1),
        ],
        Ops = DnaOps,
        Head = new HeadSpec(Channels: 1280, Dropout: 0.2),
        SqueezeExcite = true,
        Activation = Activation.Swish,
    }.Validate();

    public static IReadOnlyList<SearchSpace> All { get; } = [FmnistMbconv, FmnistMbconvWidths, FmnistVit, FmnistVitWidths, ImagenetDna];

    /// <summary>
    /// The architecture <c>dna train</c> uses when none is given. For fmnist-mbconv a hand-picked network that
    /// reaches 90% test accuracy in a few minutes on 2 cores; for other spaces the full-depth network of the
    /// cheapest op, a safe start on any machine.
    /// </summary>
    public static Architecture DefaultArchitecture(SearchSpace space) =>
        space.Name == FmnistMbconv.Name
            ? Architecture.Parse(FmnistDefault, space)
            : new Architecture(space.Blocks.Select(b => new Candidate(Enumerable.Repeat(space.Ops[0], b.Layers))));

    private const string FmnistDefault = "k3e6|k3e3/k5e6|k3e3|skip/k3e6|k3e3|skip/k5e6|skip";

    /// <summary>A built-in name, or the path of a space JSON file (see <see cref="SpaceFile"/>).</summary>
    public static SearchSpace Resolve(string nameOrPath)
    {
        var builtin = All.FirstOrDefault(s => string.Equals(s.Name, nameOrPath, StringComparison.OrdinalIgnoreCase));
        if (builtin is not null) return builtin;
        if (File.Exists(nameOrPath)) return SpaceFile.Load(nameOrPath);
        throw new SpaceException(
            $"unknown space \"{nameOrPath}\": use a built-in space ({string.Join(", ", All.Select(s => s.Name))}) or the path of a space JSON file");
    }
}
