using DnaNas.Space;
using static DnaNas.Export.OnnxGraph;

namespace DnaNas.Export;

/// <summary>
/// The layers every op family's writer is made of, each the ONNX image of one DnaNas.Modules layer in eval mode.
/// Batch norm is folded into the convolution before it (exact in real numbers; float32 rounding differs from
/// TorchSharp's by far less than the 1e-4 the verification allows).
/// </summary>
public static class OnnxLayers
{
    /// <summary>TorchSharp's default epsilon, used by every BatchNorm2d and LayerNorm of DnaNas.Modules.</summary>
    public const double NormEpsilon = 1e-5;

    /// <summary><c>ConvBn</c>: a bias-free convolution with batch norm folded in, then the activation if any.</summary>
    public static string ConvBn(OnnxGraph g, ModuleWeights w, string x, int stride, int groups, Activation? activation)
    {
        var (kernel, dims) = w.Read("conv.weight");
        var (gamma, _) = w.Read("bn.weight");
        var (beta, _) = w.Read("bn.bias");
        var (mean, _) = w.Read("bn.running_mean");
        var (variance, _) = w.Read("bn.running_var");
        long outChannels = dims[0], perOutput = kernel.LongLength / outChannels;
        var folded = new float[kernel.Length];
        var bias = new float[outChannels];
        for (long o = 0; o < outChannels; o++)
        {
            double scale = gamma[o] / Math.Sqrt(variance[o] + NormEpsilon);
            for (long i = 0; i < perOutput; i++) folded[o * perOutput + i] = (float)(kernel[o * perOutput + i] * scale);
            bias[o] = (float)(beta[o] - mean[o] * scale);
        }
        var y = Conv(g, x, g.Weight("conv_w", folded, dims), g.Weight("conv_b", bias, outChannels), dims, stride, groups);
        return activation is { } a ? Activate(g, y, a) : y;
    }

    /// <summary>A TorchSharp Conv2d with bias (same padding, k / 2 on every side).</summary>
    public static string ConvWithBias(OnnxGraph g, ModuleWeights w, string x, int stride = 1, int groups = 1)
    {
        var (kernel, dims) = w.Read("weight");
        var (bias, biasDims) = w.Read("bias");
        return Conv(g, x, g.Weight("conv_w", kernel, dims), g.Weight("conv_b", bias, biasDims), dims, stride, groups);
    }

    /// <summary>A TorchSharp Linear over the last axis (tokens [B, N, C] or features [B, C]): x W^T + b.</summary>
    public static string Linear(OnnxGraph g, ModuleWeights w, string x)
    {
        var (weight, dims) = w.Read("weight");
        var (bias, biasDims) = w.Read("bias");
        long outputs = dims[0], inputs = dims[1];
        var transposed = new float[weight.Length];
        for (long o = 0; o < outputs; o++)
            for (long i = 0; i < inputs; i++) transposed[i * outputs + o] = weight[o * inputs + i];
        var product = g.Node("MatMul", [x, g.Weight("linear_w", transposed, inputs, outputs)]);
        return g.Node("Add", [product, g.Weight("linear_b", bias, biasDims)]);
    }

    /// <summary>A TorchSharp LayerNorm over the last axis (ONNX LayerNormalization, opset 17 and later).</summary>
    public static string LayerNorm(OnnxGraph g, ModuleWeights w, string x)
    {
        var (scale, dims) = w.Read("weight");
        var (bias, biasDims) = w.Read("bias");
        return g.Node("LayerNormalization", [x, g.Weight("ln_w", scale, dims), g.Weight("ln_b", bias, biasDims)],
            Int("axis", -1), Float("epsilon", (float)NormEpsilon));
    }

    /// <summary>Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), TorchSharp's default; the Gelu op only exists from opset 20.</summary>
    public static string Gelu(OnnxGraph g, string x)
    {
        var erf = g.Node("Erf", [g.Node("Mul", [x, g.Scalar("inv_sqrt2", (float)(1 / Math.Sqrt(2)))])]);
        var gate = g.Node("Add", [erf, g.Scalar("one", 1f)]);
        return g.Node("Mul", [g.Node("Mul", [x, gate]), g.Scalar("half", 0.5f)]);
    }

    /// <summary>The space's activation: ReLU, or swish as x * sigmoid(x) (SiLU).</summary>
    public static string Activate(OnnxGraph g, string x, Activation activation) => activation switch
    {
        Activation.Relu => g.Node("Relu", x),
        Activation.Swish => g.Node("Mul", [x, g.Node("Sigmoid", x)]),
        _ => throw new ExportException($"activation {activation} has no ONNX form yet: add it to {nameof(OnnxLayers)}"),
    };

    private static string Conv(OnnxGraph g, string x, string weight, string bias, long[] dims, int stride, int groups)
    {
        long kh = dims[2], kw = dims[3];
        return g.Node("Conv", [x, weight, bias],
            Ints("kernel_shape", kh, kw), Ints("strides", stride, stride), Ints("pads", kh / 2, kw / 2, kh / 2, kw / 2),
            Int("group", groups));
    }
}
