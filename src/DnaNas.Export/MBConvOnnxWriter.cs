using DnaNas.Space;

namespace DnaNas.Export;

/// <summary>DnaNas.Modules' <c>MBConv</c> in ONNX: expansion, depthwise, squeeze-excite, linear projection, residual.</summary>
public sealed class MBConvOnnxWriter : IOpOnnxWriter
{
    public string Write(OnnxGraph g, Op op, LayerShape shape, OpSettings settings, ModuleWeights w, string input)
    {
        var m = op as MBConvOp ?? throw new ArgumentException($"op {op} is not an MBConv op", nameof(op));
        int hidden = shape.InChannels * m.Expansion;
        var h = m.Expansion != 1 ? OnnxLayers.ConvBn(g, w.At("expand"), input, 1, 1, settings.Activation) : input;
        h = OnnxLayers.ConvBn(g, w.At("depthwise"), h, shape.Stride, hidden, settings.Activation);
        if (settings.SqueezeExcite) h = SqueezeExcite(g, w.At("se"), h, settings.Activation);
        h = OnnxLayers.ConvBn(g, w.At("project"), h, 1, 1, activation: null);
        bool residual = shape.Stride == 1 && shape.InChannels == shape.OutChannels;
        return residual ? g.Node("Add", [h, input]) : h;
    }

    /// <summary>Channel gates from the pooled map: reduce, activation, expand, sigmoid, times the map.</summary>
    private static string SqueezeExcite(OnnxGraph g, ModuleWeights w, string x, Activation activation)
    {
        var s = g.Node("GlobalAveragePool", x);
        s = OnnxLayers.Activate(g, OnnxLayers.ConvWithBias(g, w.At("reduce"), s), activation);
        s = g.Node("Sigmoid", OnnxLayers.ConvWithBias(g, w.At("expand"), s));
        return g.Node("Mul", [x, s]);
    }
}
