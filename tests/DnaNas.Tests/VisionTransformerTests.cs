using DnaNas.Modules;
using DnaNas.Randomness;
using DnaNas.Space;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DnaNas.Tests;

/// <summary>The ViT space (<c>fmnist-vit</c>, <see cref="TransformerFamily"/>): exact analytic costs, and its networks as trainable as any.</summary>
[Collection(Lanes.A)]
public class VisionTransformerTests
{
    private static readonly SearchSpace Space = BuiltinSpaces.FmnistVit;

    /// <summary>
    /// MACs counted from what flows through the built network: convolutions per output pixel, linear layers per
    /// token (input elements over input features), and attention's two matrix products from the tokens it sees.
    /// </summary>
    private static long CountMacs(MBConvNet model)
    {
        long macs = 0;
        var removers = new List<Action>();
        foreach (var m in model.modules())
            switch (m)
            {
                case Conv2d conv:
                    removers.Add(conv.register_forward_hook((mod, input, output) =>
                    {
                        var w = ((Conv2d)mod).weight!.shape;
                        macs += output.shape[2] * output.shape[3] * w[0] * w[1] * w[2] * w[3];
                        return output;
                    }).remove);
                    break;
                case Linear linear:
                    removers.Add(linear.register_forward_hook((mod, input, output) =>
                    {
                        var w = ((Linear)mod).weight!.shape; // [out, in]
                        macs += input.numel() / w[1] * w[0] * w[1];
                        return output;
                    }).remove);
                    break;
                case TransformerLayer.Attention attention:
                    removers.Add(attention.register_forward_hook((mod, input, output) =>
                    {
                        long tokens = input.shape[1], channels = input.shape[2] / 3;
                        macs += 2 * tokens * tokens * channels;
                        return output;
                    }).remove);
                    break;
            }
        model.eval();
        using (no_grad())
        using (var scope = NewDisposeScope())
            model.call(zeros(1, Space.InputChannels, Space.InputSize, Space.InputSize));
        foreach (var remove in removers) remove();
        return macs;
    }

    [Theory]
    [InlineData("fmnist-vit")]
    [InlineData("fmnist-vit-widths")] // embedding widths drawn too
    public void Analytic_params_and_macs_match_200_built_vit_networks(string spaceName)
    {
        var space = BuiltinSpaces.Resolve(spaceName);
        var rng = new StableRandom(33);
        var seen = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            var arch = space.Sample(rng);
            seen.Add(arch.ToString());
            using var model = new MBConvNet(space, arch);
            var cost = CostModel.Of(space, arch);
            Assert.Equal(cost.Params, model.ParameterCount());
            Assert.Equal(CountMacs(model), cost.Macs);
        }
        Assert.True(seen.Count > 150, $"only {seen.Count} distinct architectures sampled");
    }

    [Fact]
    public void A_vit_network_maps_images_to_class_logits_learns_a_batch_and_its_attention_sees_every_token()
    {
        var arch = Architecture.Parse("t2m1|t4m2/t4m1|skip|skip/t2m2|t4m2", Space);
        random.manual_seed(0);
        using var model = new MBConvNet(Space, arch);
        using var scope = NewDisposeScope();
        var x = randn(16, 1, 28, 28);
        var y = randint(0, 10, 16, dtype: ScalarType.Int64);
        Assert.Equal([16L, 10L], model.call(x).shape);
        // A few steps on one batch drive its loss down: gradients reach every part.
        using var optimizer = optim.Adam(model.parameters(), 0.003);
        model.train();
        double first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(x), y);
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
            loss.backward();
            optimizer.step();
        }
        Assert.True(last < 0.5 * first, $"loss {first:F3} -> {last:F3}");
        // Attention mixes tokens: changing one corner pixel moves a first-block token's output far from it.
        model.eval();
        using var _ = no_grad();
        var block = new BlockSupernet(Space, 0);
        var path = block.PathOf(arch.Blocks[0]);
        var a = block.call(x.narrow(0, 0, 1), path);
        var changed = x.narrow(0, 0, 1).clone();
        changed[0, 0, 0, 0] = changed[0, 0, 0, 0] + 10;
        var b = block.call(changed, path);
        // The far corner token (6, 6) is beyond every convolution's reach of pixel (0, 0); only attention connects them.
        Assert.True((a[0, .., 6, 6] - b[0, .., 6, 6]).abs().max().item<float>() > 1e-4);
        block.Dispose();
    }

    [Fact]
    public void Heads_that_do_not_divide_a_blocks_width_are_refused_in_one_line_naming_the_block()
    {
        var bad = Space with { Ops = [new TransformerOp(5, 2)] };
        var error = Assert.Throws<SpaceException>(() => bad.Validate());
        Assert.Contains("block 1 layer 1", error.Message);
        Assert.Contains("5 heads do not divide the layer's 48 channels", error.Message);
    }
}

/// <summary>The ViT space through the same block-wise machinery as the CNNs: DNA with its teacher, and DNA++ without one.</summary>
[Collection(Lanes.B)]
public class VisionTransformerRunTests
{
    [Theory]
    [InlineData("teacher")]
    [InlineData("self")]
    public void Dna_trains_rates_searches_and_retrains_a_vit_under_the_budget(string supervision)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dna-vit-{supervision}-{Guid.NewGuid():N}");
        try
        {
            var (code, output, err) = CliTests.Dna("run", "--preset", "tiny", "--space", "fmnist-vit", "--dataset", "digits", "--budget-params", "250000",
                "--supervision", supervision, "--threads", "1", "--jobs", "1", "--out", folder);
            Assert.True(code == 0, err);
            var layout = DnaNas.Methods.Dna.DnaRun.Open(folder).Layout;
            var space = layout.ReadSpace();
            Assert.Equal("fmnist-vit", space.Name);
            using (var store = new DnaNas.Methods.Dna.RatingStore(layout.RatingsPath))
                for (int b = 0; b < space.Blocks.Count; b++)
                    Assert.Equal((int)space.CandidateCount(b), store.Count(b));
            var best = layout.ReadSearch().Best;
            Assert.InRange(best.Params, 1, 250_000);
            var retrained = new DnaNas.Training.TrainRun(layout.RetrainFolder).ReadResult()!;
            Assert.Equal(best.Architecture, retrained.Architecture);
            Assert.All(Architecture.Parse(best.Architecture, space).Blocks.SelectMany(c => c.Layers), op => Assert.True(op.IsSkip || op is TransformerOp));
            Assert.Equal(supervision == "teacher", Directory.Exists(layout.TeacherFolder));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }
}
