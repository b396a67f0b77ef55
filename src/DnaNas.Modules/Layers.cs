using DnaNas.Data;
using DnaNas.Space;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DnaNas.Modules;

internal static class Act
{
    public static Tensor Apply(Tensor x, Activation activation) =>
        activation == Activation.Swish ? functional.silu(x) : functional.relu(x);
}

/// <summary>Convolution without bias, batch norm, optional activation: the unit every layer is made of.</summary>
public sealed class ConvBn : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;
    private readonly Activation? _activation;

    public ConvBn(int inChannels, int outChannels, int kernel, int stride, Activation? activation, int groups = 1)
        : base(nameof(ConvBn))
    {
        conv = Conv2d(inChannels, outChannels, kernel, stride: stride, padding: kernel / 2, groups: groups, bias: false);
        bn = BatchNorm2d(outChannels);
        _activation = activation;
        init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        // Each intermediate is released as soon as the next op has read it: a caller's dispose scope would keep all of
        // them until its batch ends, and at 28x28 with 6x expansion that is most of an evaluation's memory. Autograd
        // keeps (natively) whatever backward needs, so releasing the wrappers never changes a result.
        var convolved = conv.call(x);
        var y = bn.call(convolved);
        convolved.Dispose();
        if (_activation is not { } a) return y;
        var activated = Act.Apply(y, a);
        y.Dispose();
        return activated;
    }
}

/// <summary>Squeeze-excite: channel gates from globally pooled features (Hu et al., 2018), as in EfficientNet.</summary>
public sealed class SqueezeExcite : Module<Tensor, Tensor>
{
    private readonly Conv2d reduce;
    private readonly Conv2d expand;
    private readonly Activation _activation;

    public SqueezeExcite(int channels, int squeezeChannels, Activation activation) : base(nameof(SqueezeExcite))
    {
        reduce = Conv2d(channels, squeezeChannels, 1);
        expand = Conv2d(squeezeChannels, channels, 1);
        _activation = activation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var s = functional.adaptive_avg_pool2d(x, 1);
        s = expand.call(Act.Apply(reduce.call(s), _activation));
        return x * functional.sigmoid(s);
    }
}

/// <summary>
/// Inverted residual (MobileNetV2/EfficientNet MBConv): 1x1 expansion (absent when the ratio is 1), k x k
/// depthwise with the stride, optional squeeze-excite, linear 1x1 projection, and a residual when shapes allow.
/// </summary>
public sealed class MBConv : Module<Tensor, Tensor>
{
    private readonly ConvBn? expand;
    private readonly ConvBn depthwise;
    private readonly SqueezeExcite? se;
    private readonly ConvBn project;
    private readonly bool _residual;

    public MBConv(LayerShape shape, int kernel, int expansion, bool squeezeExcite, Activation activation)
        : base(nameof(MBConv))
    {
        int hidden = shape.InChannels * expansion;
        if (expansion != 1) expand = new ConvBn(shape.InChannels, hidden, 1, 1, activation);
        depthwise = new ConvBn(hidden, hidden, kernel, shape.Stride, activation, groups: hidden);
        if (squeezeExcite) se = new SqueezeExcite(hidden, SearchSpace.SqueezeChannels(shape.InChannels), activation);
        project = new ConvBn(hidden, shape.OutChannels, 1, 1, activation: null);
        _residual = shape.Stride == 1 && shape.InChannels == shape.OutChannels;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        // Intermediates are released as the layer goes (see ConvBn); x belongs to the caller and stays.
        var h = expand is null ? x : expand.call(x);
        h = Then(depthwise.call(h), h, x);
        if (se is not null) h = Then(se.call(h), h, x);
        h = Then(project.call(h), h, x);
        return _residual ? Then(HeldScalars.Plus(h, x), h, x) : h;
    }

    /// <summary>Returns <paramref name="next"/> after disposing <paramref name="previous"/>, unless that is the caller's input.</summary>
    private static Tensor Then(Tensor next, Tensor previous, Tensor input)
    {
        if (!ReferenceEquals(previous, input) && !ReferenceEquals(previous, next)) previous.Dispose();
        return next;
    }
}
