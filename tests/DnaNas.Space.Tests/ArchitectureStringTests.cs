using DnaNas.Randomness;
using DnaNas.Space;

namespace DnaNas.Space.Tests;

public class ArchitectureStringTests
{
    public static TheoryData<string> SpaceNames => new() { "fmnist-mbconv", "fmnist-mbconv-widths", "imagenet-dna" };

    [Theory]
    [MemberData(nameof(SpaceNames))]
    public void Random_architectures_round_trip_through_string_and_json(string spaceName)
    {
        var space = BuiltinSpaces.Resolve(spaceName);
        var rng = new StableRandom(11);
        for (int i = 0; i < 300; i++)
        {
            var arch = space.Sample(rng);
            var text = arch.ToString();
            Assert.Equal(arch, Architecture.Parse(text, space));
            Assert.Equal(text, Architecture.Parse(text, space).ToString());
            Assert.Equal(arch, Architecture.FromJson(arch.ToJson(space), space));
        }
    }

    [Fact]
    public void Parsing_an_unknown_kernel_names_the_token_and_its_position()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var e = Assert.Throws<SpaceException>(() => Architecture.Parse("k3e6|k3e3/k5e3|k4e6|skip/k3e3/k3e3", space));
        Assert.Contains("token 4 \"k4e6\"", e.Message);
        Assert.Contains("block 2, layer 2", e.Message);
        Assert.Contains("odd", e.Message);
    }

    [Fact]
    public void Parsing_an_op_the_space_lacks_lists_the_allowed_ops()
    {
        var e = Assert.Throws<SpaceException>(() => Architecture.Parse("k9e6/k3e3/k3e3/k3e3", BuiltinSpaces.FmnistMbconv));
        Assert.Contains("token 1 \"k9e6\"", e.Message);
        Assert.Contains("k7e6", e.Message);
    }

    [Fact]
    public void Parsing_garbage_names_the_token()
    {
        var e = Assert.Throws<SpaceException>(() => Architecture.Parse("k3e6/conv3x3/k3e3/k3e3", BuiltinSpaces.FmnistMbconv));
        Assert.Contains("token 2 \"conv3x3\"", e.Message);
    }

    [Fact]
    public void An_op_after_a_skip_is_rejected_because_skips_only_close_blocks()
    {
        var e = Assert.Throws<SpaceException>(() => Architecture.Parse("k3e6/k3e3|skip|k5e3/k3e3/k3e3", BuiltinSpaces.FmnistMbconv));
        Assert.Contains("token 4 \"k5e3\"", e.Message);
        Assert.Contains("after skip", e.Message);
    }

    [Fact]
    public void Too_many_layers_or_blocks_are_named()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var layers = Assert.Throws<SpaceException>(() => Architecture.Parse("k3e6|k3e6|k3e6/k3e3/k3e3/k3e3", space));
        Assert.Contains("token 3", layers.Message);
        Assert.Contains("only 2 layers", layers.Message);
        var blocks = Assert.Throws<SpaceException>(() => Architecture.Parse("k3e6/k3e3", space));
        Assert.Contains("2 blocks", blocks.Message);
    }

    [Fact]
    public void A_short_block_is_filled_with_skips()
    {
        var arch = Architecture.Parse("k3e6/k5e3/k7e6|k3e3/k3e3", BuiltinSpaces.FmnistMbconv);
        Assert.Equal("k3e6|skip/k5e3|skip|skip/k7e6|k3e3|skip/k3e3|skip", arch.ToString());
        Assert.Equal(2, arch.Blocks[2].Depth);
    }

    [Fact]
    public void Skips_below_the_minimum_depth_are_rejected()
    {
        var e = Assert.Throws<SpaceException>(() =>
            Architecture.Parse("k3e6|k3e6/k3e3|skip|skip|skip/k3e3|k3e3/k3e3|k3e3/k3e3|k3e3/k3e3", BuiltinSpaces.ImagenetDna));
        Assert.Contains("token 4 \"skip\"", e.Message);
        Assert.Contains("cannot be skip", e.Message);
    }

    [Fact]
    public void Malformed_architecture_json_is_reported()
    {
        Assert.Throws<SpaceException>(() => Architecture.FromJson("{\"blocks\": 3}", BuiltinSpaces.FmnistMbconv));
        Assert.Throws<SpaceException>(() => Architecture.FromJson("{not json", BuiltinSpaces.FmnistMbconv));
    }
}
