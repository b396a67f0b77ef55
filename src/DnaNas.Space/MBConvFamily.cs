namespace DnaNas.Space;

/// <summary>An MBConv op: depthwise kernel and expansion ratio, token <c>k3e6</c>.</summary>
public sealed record MBConvOp(int Kernel, int Expansion) : Op
{
    public override IOpFamily Family => MBConvFamily.Instance;
    public override string Token => $"k{Kernel}e{Expansion}";
}

/// <summary>
/// Inverted residuals (MobileNetV2/EfficientNet MBConv): 1x1 expansion (absent at ratio 1), k x k depthwise with the
/// stride, optional squeeze-excite, linear 1x1 projection. The module is DnaNas.Modules' <c>MBConv</c>.
/// </summary>
public sealed class MBConvFamily : IOpFamily
{
    public static MBConvFamily Instance { get; } = new();

    private MBConvFamily() { }

    public string Name => "mbconv";
    public string Syntax => "k3e6 (kernel 3, expansion 6)";

    public Op? TryParse(string token, out string? reason)
    {
        reason = null;
        int e = token.IndexOf('e');
        if (token.Length < 4 || token[0] != 'k' || e < 2
            || !int.TryParse(token.AsSpan(1, e - 1), out int k)
            || !int.TryParse(token.AsSpan(e + 1), out int x))
            return null;
        if (k < 1 || k % 2 == 0) { reason = "kernel must be an odd number"; return null; }
        if (x < 1) { reason = "expansion must be at least 1"; return null; }
        return new MBConvOp(k, x);
    }

    public Cost Cost(Op op, LayerShape shape, OpSettings settings) =>
        Of(op as MBConvOp ?? throw new ArgumentException($"op {op} is not an MBConv op", nameof(op)), shape, settings.SqueezeExcite);

    /// <summary>Convolutions have no bias and are followed by batch norm; squeeze-excite convolutions have biases.</summary>
    public static Cost Of(MBConvOp op, LayerShape shape, bool squeezeExcite)
    {
        long cin = shape.InChannels, cout = shape.OutChannels, hidden = cin * op.Expansion, k2 = (long)op.Kernel * op.Kernel;
        long inPixels = (long)shape.InSize * shape.InSize, outPixels = (long)shape.OutSize * shape.OutSize;
        var cost = Space.Cost.Zero;
        if (op.Expansion != 1) cost += Space.Cost.ConvBn(cin * hidden, hidden, cin * hidden * inPixels);
        cost += Space.Cost.ConvBn(k2 * hidden, hidden, k2 * hidden * outPixels);
        if (squeezeExcite)
        {
            long se = SearchSpace.SqueezeChannels((int)cin);
            cost += new Cost(hidden * se + se + se * hidden + hidden, 2 * hidden * se);
        }
        cost += Space.Cost.ConvBn(hidden * cout, cout, hidden * cout * outPixels);
        return cost;
    }
}
