using DnaNas.Randomness;
using DnaNas.Modules;
using DnaNas.Space;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DnaNas.Tests;

[Collection(Lanes.A)]
public class NetworkCostTests
{
    /// <summary>MACs of convolutions and linear layers, counted from the shapes that really flow through the network.</summary>
    internal static long CountMacs(MBConvNet model, SearchSpace space)
    {
        long macs = 0;
        var removers = new List<Action>();
        foreach (var m in model.modules())
        {
            if (m is Conv2d conv)
                removers.Add(conv.register_forward_hook((mod, input, output) =>
                {
                    var c = (Conv2d)mod;
                    var w = c.weight!.shape; // [out, in/groups, kh, kw]
                    macs += output.shape[2] * output.shape[3] * w[0] * w[1] * w[2] * w[3];
                    return output;
                }).remove);
            else if (m is Linear linear)
                removers.Add(linear.register_forward_hook((mod, input, output) =>
                {
                    var w = ((Linear)mod).weight!.shape;
                    macs += w[0] * w[1];
                    return output;
                }).remove);
        }
        model.eval();
        using (no_grad())
        using (var scope = NewDisposeScope())
            model.call(zeros(1, space.InputChannels, space.InputSize, space.InputSize));
        foreach (var remove in removers) remove();
        return macs;
    }

    [Theory]
    [InlineData("fmnist-mbconv")]
    [InlineData("fmnist-mbconv-widths")] // each block's width drawn too: a block's cost then depends on the width before it
    public void Analytic_params_and_macs_match_200_built_fmnist_networks(string spaceName)
    {
        var space = BuiltinSpaces.Resolve(spaceName);
        var rng = new StableRandom(21);
        for (int i = 0; i < 200; i++)
        {
            var arch = space.Sample(rng);
            using var model = new MBConvNet(space, arch);
            var cost = CostModel.Of(space, arch);
            Assert.Equal(cost.Params, model.ParameterCount());
            long counted = CountMacs(model, space);
            Assert.Equal(counted, cost.Macs); // exact: odd kernels with padding k/2, so no rounding anywhere
        }
    }

    [Fact]
    public void Analytic_params_and_macs_match_200_built_imagenet_dna_networks()
    {
        // Parameters of all 200; MACs by a forward pass on a reduced input size, since MACs scale with resolution
        // and a 224x224 forward of 200 networks would take minutes on 2 cores.
        var space = BuiltinSpaces.ImagenetDna;
        var small = space with { InputSize = 64 };
        var rng = new StableRandom(22);
        for (int i = 0; i < 200; i++)
        {
            var arch = space.Sample(rng);
            using var model = new MBConvNet(space, arch);
            Assert.Equal(CostModel.Of(space, arch).Params, model.ParameterCount());
            if (i % 10 == 0)
            {
                using var reduced = new MBConvNet(small, arch);
                long counted = CountMacs(reduced, small);
                long analytic = CostModel.Of(small, arch).Macs;
                Assert.Equal(counted, analytic);
            }
        }
    }

    [Fact]
    public void A_full_resolution_imagenet_dna_network_matches_its_analytic_macs()
    {
        var space = BuiltinSpaces.ImagenetDna;
        var arch = space.Sample(new StableRandom(23));
        using var model = new MBConvNet(space, arch);
        long counted = CountMacs(model, space);
        Assert.Equal(counted, CostModel.Of(space, arch).Macs);
    }

    [Fact]
    public void Every_op_runs_forward_and_backward_without_nan()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        foreach (var op in space.Ops)
        {
            var arch = new Architecture(space.Blocks.Select(b => new Candidate(Enumerable.Repeat(op, b.Layers))));
            using var model = new MBConvNet(space, arch);
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(model.call(randn(4, 1, 28, 28)), tensor(new long[] { 0, 1, 2, 3 }));
            loss.backward();
            Assert.False(float.IsNaN(loss.item<float>()), op.ToString());
            Assert.All(model.parameters(), p => Assert.False(p.grad is null || p.grad.isnan().any().item<bool>()));
        }
    }
}
