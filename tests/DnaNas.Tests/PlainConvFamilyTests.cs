using DnaNas.Randomness;
using DnaNas.Modules;
using DnaNas.Space;
using static TorchSharp.torch;

namespace DnaNas.Tests;

/// <summary>A toy op family from outside the library: a plain k x k conv, batch norm and activation, token <c>c3</c>.</summary>
internal sealed record PlainConvOp(int Kernel) : Op
{
    public override IOpFamily Family => PlainConvFamily.Instance;
    public override string Token => $"c{Kernel}";
}

internal sealed class PlainConvFamily : IOpFamily, IOpModuleBuilder
{
    public static PlainConvFamily Instance { get; } = new();
    public string Name => "plain-conv";
    public string Syntax => "c3 (plain 3x3 conv)";

    public Op? TryParse(string token, out string? reason)
    {
        reason = null;
        if (token.Length < 2 || token[0] != 'c' || !int.TryParse(token.AsSpan(1), out int k)) return null;
        if (k < 1 || k % 2 == 0) reason = "a plain conv's kernel must be an odd number";
        return reason is null ? new PlainConvOp(k) : null;
    }

    // Squeeze-excite is an MBConv part; this family has none, whatever the space says.
    public Cost Cost(Op op, LayerShape shape, OpSettings settings)
    {
        long k = ((PlainConvOp)op).Kernel, weights = k * k * shape.InChannels * shape.OutChannels;
        return Space.Cost.ConvBn(weights, shape.OutChannels, weights * shape.OutSize * shape.OutSize);
    }

    public nn.Module<Tensor, Tensor> Build(Op op, LayerShape shape, OpSettings settings) =>
        new ConvBn(shape.InChannels, shape.OutChannels, ((PlainConvOp)op).Kernel, shape.Stride, settings.Activation);
}

[Collection(Lanes.A)]
public class PlainConvFamilyTests
{
    // The one registration line. Static initializers run in textual order, so it precedes the space below.
    private static readonly PlainConvFamily Registered = OpModules.Register(PlainConvFamily.Instance);

    /// <summary>fmnist-mbconv with two plain convs beside one MBConv op, read through the space file as a user's would be.</summary>
    private static readonly SearchSpace Space = SpaceFile.Parse(SpaceFile.ToJson(BuiltinSpaces.FmnistMbconv with
    {
        Name = "fmnist-plain", Ops = [new PlainConvOp(3), new PlainConvOp(5), new MBConvOp(3, 6)],
    }));

    [Fact]
    public void A_space_file_with_plain_conv_ops_reads_them_through_their_family()
    {
        Assert.Equal(["c3", "c5", "k3e6"], Space.Ops.Select(op => op.ToString()));
        Assert.IsType<PlainConvOp>(Space.Ops[0]);
        Assert.Same(Registered, Space.Ops[1].Family);
    }

    [Fact]
    public void Analytic_params_and_macs_of_plain_conv_networks_match_the_built_modules()
    {
        var rng = new StableRandom(5);
        for (int i = 0; i < 30; i++)
        {
            var arch = Space.Sample(rng);
            using var model = new MBConvNet(Space, arch);
            var cost = CostModel.Of(Space, arch);
            Assert.Equal(cost.Params, model.ParameterCount());
            Assert.Equal(NetworkCostTests.CountMacs(model, Space), cost.Macs);
        }
    }

    [Fact]
    public void A_supernet_of_the_space_holds_every_plain_conv_at_every_position()
    {
        using var supernet = new SinglePathSupernet(Space);
        long analytic = CostModel.Stem(Space).Params + CostModel.Head(Space).Params;
        for (int b = 0; b < Space.Blocks.Count; b++)
            for (int l = 0; l < Space.Blocks[b].Layers; l++)
                analytic += Space.Ops.Sum(op => CostModel.Layer(Space, b, l, op).Params);
        Assert.Equal(analytic, supernet.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void An_architecture_with_plain_convs_round_trips_through_its_string_and_json()
    {
        var arch = Architecture.Parse("c3|k3e6/c5|c3|skip/k3e6/c5", Space);
        Assert.Equal("c3|k3e6/c5|c3|skip/k3e6|skip|skip/c5|skip", arch.ToString());
        Assert.Equal(arch, Architecture.Parse(arch.ToString(), Space));
        Assert.Equal(arch, Architecture.FromJson(arch.ToJson(Space), Space));
    }

    [Fact]
    public void A_plain_conv_with_an_even_kernel_is_named_with_the_family_reason()
    {
        var e = Assert.Throws<SpaceException>(() => Architecture.Parse("c4/c3/c3/c3", Space));
        Assert.Contains("token 1 \"c4\"", e.Message);
        Assert.Contains("plain conv's kernel must be an odd number", e.Message);
    }
}
