using DnaNas.Data;
using DnaNas.Space;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DnaNas.Modules;

/// <summary>
/// One transformer layer over a feature map's pixels as tokens (<see cref="TransformerFamily"/> has the design and
/// its exact cost): an optional merge (conv and batch norm) where width or resolution change, a depthwise 3x3
/// positional encoding, then attention and an MLP, each pre-norm with a residual. Input and output are feature maps,
/// [B, C, H, W], so it composes with stems, heads and cells like any op.
/// </summary>
public sealed class TransformerLayer : Module<Tensor, Tensor>
{
    private readonly ConvBn? merge;
    private readonly Conv2d position;
    private readonly LayerNorm norm1;
    private readonly Linear qkv;
    private readonly Attention attention;
    private readonly Linear proj;
    private readonly LayerNorm norm2;
    private readonly Linear fc1;
    private readonly Linear fc2;

    public TransformerLayer(LayerShape shape, int heads, int mlpRatio) : base(nameof(TransformerLayer))
    {
        int c = shape.OutChannels;
        if (TransformerFamily.Merges(shape)) merge = new ConvBn(shape.InChannels, c, TransformerFamily.MergeKernel(shape), shape.Stride, activation: null);
        position = Conv2d(c, c, 3, padding: 1, groups: c);
        norm1 = LayerNorm([c]);
        qkv = Linear(c, 3 * c);
        attention = new Attention(heads);
        proj = Linear(c, c);
        norm2 = LayerNorm([c]);
        fc1 = Linear(c, c * mlpRatio);
        fc2 = Linear(c * mlpRatio, c);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (merge is not null) x = merge.call(x);
        x = HeldScalars.Plus(x, position.call(x));
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var tokens = x.flatten(2).transpose(1, 2);                     // [B, N, C]
        tokens = HeldScalars.Plus(tokens, proj.call(attention.call(qkv.call(norm1.call(tokens)))));
        tokens = HeldScalars.Plus(tokens, fc2.call(functional.gelu(fc1.call(norm2.call(tokens)))));
        return tokens.transpose(1, 2).reshape(b, c, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scaled dot-product attention over all heads, from the joined queries, keys and values [B, N, 3C] to [B, N, C].
    /// A module of its own, with no weights, so that a MAC count can see the tokens it attends over.
    /// </summary>
    public sealed class Attention(int heads) : Module<Tensor, Tensor>(nameof(Attention))
    {
        public int Heads { get; } = heads;

        public override Tensor forward(Tensor qkv)
        {
            long b = qkv.shape[0], n = qkv.shape[1], c = qkv.shape[2] / 3, d = c / Heads;
            var parts = qkv.reshape(b, n, 3, Heads, d).permute(2, 0, 3, 1, 4);   // [3, B, heads, N, d]
            var (q, k, v) = (parts[0], parts[1], parts[2]);
            using var scale = (1.0 / Math.Sqrt(d)).ToScalar(); // held to the end of the call (see HeldScalars)
            var weights = functional.softmax(q.matmul(k.transpose(-2, -1)).mul(scale), -1);
            return weights.matmul(v).transpose(1, 2).reshape(b, n, c);
        }
    }
}
