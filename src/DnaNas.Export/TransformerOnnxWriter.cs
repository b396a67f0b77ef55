using DnaNas.Space;
using static DnaNas.Export.OnnxGraph;

namespace DnaNas.Export;

/// <summary>
/// DnaNas.Modules' <c>TransformerLayer</c> in ONNX: the merge, the positional depthwise convolution, then pre-norm
/// attention and MLP over the pixels as tokens, and back to a feature map. Token counts are fixed by the space, so
/// every reshape names them, and only the batch stays dynamic (a 0 in a Reshape copies it).
/// </summary>
public sealed class TransformerOnnxWriter : IOpOnnxWriter
{
    public string Write(OnnxGraph g, Op op, LayerShape shape, OpSettings settings, ModuleWeights w, string input)
    {
        var t = op as TransformerOp ?? throw new ArgumentException($"op {op} is not a transformer op", nameof(op));
        long c = shape.OutChannels, side = shape.OutSize, n = side * side, d = c / t.Heads;
        var x = TransformerFamily.Merges(shape)
            ? OnnxLayers.ConvBn(g, w.At("merge"), input, shape.Stride, 1, activation: null)
            : input;
        x = g.Node("Add", [x, OnnxLayers.ConvWithBias(g, w.At("position"), x, groups: (int)c)]);

        var tokens = g.Node("Transpose", [Reshape(g, x, 0, c, n)], Ints("perm", 0, 2, 1));          // [B, N, C]
        var qkv = OnnxLayers.Linear(g, w.At("qkv"), OnnxLayers.LayerNorm(g, w.At("norm1"), tokens));
        tokens = g.Node("Add", [tokens, OnnxLayers.Linear(g, w.At("proj"), Attention(g, qkv, n, c, t.Heads, d))]);
        var mlp = OnnxLayers.Gelu(g, OnnxLayers.Linear(g, w.At("fc1"), OnnxLayers.LayerNorm(g, w.At("norm2"), tokens)));
        tokens = g.Node("Add", [tokens, OnnxLayers.Linear(g, w.At("fc2"), mlp)]);
        return Reshape(g, g.Node("Transpose", [tokens], Ints("perm", 0, 2, 1)), 0, c, side, side);
    }

    /// <summary>Scaled dot-product attention over all heads, [B, N, 3C] to [B, N, C], in the module's order of operations.</summary>
    private static string Attention(OnnxGraph g, string qkv, long n, long c, long heads, long d)
    {
        var parts = g.Node("Transpose", [Reshape(g, qkv, 0, n, 3, heads, d)], Ints("perm", 2, 0, 3, 1, 4)); // [3, B, h, N, d]
        string Part(long i) => g.Node("Gather", [parts, g.Int64s("index", [i], scalar: true)], Int("axis", 0));
        var (q, k, v) = (Part(0), Part(1), Part(2));
        var scores = g.Node("MatMul", [q, g.Node("Transpose", [k], Ints("perm", 0, 1, 3, 2))]);
        scores = g.Node("Mul", [scores, g.Scalar("scale", (float)(1.0 / Math.Sqrt(d)))]);
        var attended = g.Node("MatMul", [g.Node("Softmax", [scores], Int("axis", -1)), v]);            // [B, h, N, d]
        return Reshape(g, g.Node("Transpose", [attended], Ints("perm", 0, 2, 1, 3)), 0, n, c);
    }

    private static string Reshape(OnnxGraph g, string x, params long[] shape) => g.Node("Reshape", [x, g.Int64s("shape", shape)]);
}
