namespace DnaNas.Space;

/// <summary>A vision-transformer layer: attention heads and MLP ratio, token <c>t4m2</c> (4 heads, MLP 2x the width).</summary>
public sealed record TransformerOp(int Heads, int MlpRatio) : Op
{
    public override IOpFamily Family => TransformerFamily.Instance;
    public override string Token => $"t{Heads}m{MlpRatio}";
}

/// <summary>
/// Transformer layers over a feature map's pixels as tokens (a convolutional vision transformer, CPVT/PiT style),
/// so a ViT space is blocks of layers like any other: where a layer changes width or resolution (a block's first),
/// a 3x3 convolution with batch norm (1x1 at stride 1) maps the tokens first, the pyramid's merge; then a depthwise
/// 3x3 convolution adds position (CPVT's positional encoding, residual), multi-head self-attention and an MLP follow,
/// each after a layer norm and with a residual. Position comes from that convolution, so no table of positions fixes
/// the resolution. GELU in the MLP whatever the space's activation; squeeze-excite does not apply. MACs count the
/// convolutions, the linear layers per token and attention's two matrix products (QK^T and AV: 2 N^2 C for N tokens).
/// The module is DnaNas.Modules' <c>TransformerLayer</c>.
/// </summary>
public sealed class TransformerFamily : IOpFamily
{
    public static TransformerFamily Instance { get; } = new();

    private TransformerFamily() { }

    public string Name => "transformer";
    public string Syntax => "t4m2 (4 attention heads, MLP ratio 2)";

    public Op? TryParse(string token, out string? reason)
    {
        reason = null;
        int m = token.IndexOf('m');
        if (token.Length < 4 || token[0] != 't' || m < 2
            || !int.TryParse(token.AsSpan(1, m - 1), out int heads)
            || !int.TryParse(token.AsSpan(m + 1), out int ratio))
            return null;
        if (heads < 1) { reason = "a transformer layer needs at least one head"; return null; }
        if (ratio < 1) { reason = "the MLP ratio must be at least 1"; return null; }
        return new TransformerOp(heads, ratio);
    }

    public Cost Cost(Op op, LayerShape shape, OpSettings settings) =>
        Of(op as TransformerOp ?? throw new ArgumentException($"op {op} is not a transformer op", nameof(op)), shape);

    /// <summary>Whether the tokens are mapped before the layer: a change of width or resolution.</summary>
    public static bool Merges(LayerShape shape) => shape.InChannels != shape.OutChannels || shape.Stride != 1;

    /// <summary>The merge's kernel: 3x3 when it downsamples, 1x1 when it only changes the width.</summary>
    public static int MergeKernel(LayerShape shape) => shape.Stride == 1 ? 1 : 3;

    public static Cost Of(TransformerOp op, LayerShape shape)
    {
        long c = shape.OutChannels, tokens = (long)shape.OutSize * shape.OutSize, hidden = c * op.MlpRatio;
        if (c % op.Heads != 0) throw new SpaceException($"op {op}: {op.Heads} heads do not divide the layer's {c} channels");
        var cost = Space.Cost.Zero;
        if (Merges(shape))
        {
            long k = MergeKernel(shape), weights = k * k * shape.InChannels * c;
            cost += Space.Cost.ConvBn(weights, c, weights * tokens);
        }
        cost += new Cost(9 * c + c, 9 * c * tokens);                               // depthwise 3x3 positional encoding, with bias
        cost += new Cost(2 * c, 0);                                                 // layer norm before attention
        cost += new Cost(3 * c * c + 3 * c, 3 * c * c * tokens);                    // queries, keys, values
        cost += new Cost(0, 2 * tokens * tokens * c);                               // QK^T and AV over all heads
        cost += new Cost(c * c + c, c * c * tokens);                                // output projection
        cost += new Cost(2 * c, 0);                                                 // layer norm before the MLP
        cost += new Cost(c * hidden + hidden + hidden * c + c, 2 * c * hidden * tokens); // MLP
        return cost;
    }
}
