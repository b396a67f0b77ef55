using DnaNas.Randomness;
using DnaNas.Space;

namespace DnaNas.Space.Tests;

/// <summary>Spaces whose blocks search their output width: the string form, the file form, validation and cost bounds.</summary>
public class WidthChoiceTests
{
    private static readonly SearchSpace Space = BuiltinSpaces.FmnistMbconvWidths;

    [Fact]
    public void A_block_at_its_reference_width_is_written_without_a_width_and_equals_one_written_with_it()
    {
        var plain = Architecture.Parse("k3e6/k5e3|k3e3/k3e3/k7e6", Space);
        var written = Architecture.Parse("k3e6@24/k5e3|k3e3@40/k3e3/k7e6@96", Space);
        Assert.Equal(plain, written);
        Assert.Equal(plain.GetHashCode(), written.GetHashCode());
        Assert.Equal("k3e6|skip/k5e3|k3e3|skip/k3e3|skip|skip/k7e6|skip", written.ToString());
        var wider = Architecture.Parse("k3e6/k5e3|k3e3@48/k3e3/k7e6@72", Space);
        Assert.NotEqual(plain, wider);
        Assert.Equal("k3e6|skip/k5e3|k3e3|skip@48/k3e3|skip|skip/k7e6|skip@72", wider.ToString());
        Assert.Equal([24, 48, 64, 72], Enumerable.Range(0, 4).Select(b => wider.Width(b, Space)));
    }

    [Fact]
    public void A_width_outside_the_choices_names_them_and_a_fixed_block_says_to_drop_it()
    {
        var e = Assert.Throws<SpaceException>(() => Architecture.Parse("k3e6/k5e3@44/k3e3/k7e6", Space));
        Assert.Contains("32, 40, 48", e.Message);
        Assert.Contains("block 2", e.Message);
        var f = Assert.Throws<SpaceException>(() => Architecture.Parse("k3e6/k5e3@48/k3e3/k7e6", BuiltinSpaces.FmnistMbconv));
        Assert.Contains("drop \"@48\"", f.Message);
    }

    [Fact]
    public void Widths_must_be_ascending_and_include_the_reference_width()
    {
        var blocks = Space.Blocks.ToArray();
        var missing = Assert.Throws<SpaceException>(() => (Space with { Blocks = [blocks[0] with { Widths = [16, 32] }, .. blocks[1..]] }).Validate());
        Assert.Contains("blocks[0].widths must include the block's channels (24)", missing.Message);
        var unsorted = Assert.Throws<SpaceException>(() => (Space with { Blocks = [blocks[0] with { Widths = [32, 24] }, .. blocks[1..]] }).Validate());
        Assert.Contains("ascending", unsorted.Message);
    }

    [Fact]
    public void A_space_file_declares_widths_and_reads_back_equal()
    {
        string json = SpaceFile.ToJson(Space);
        Assert.Contains("\"widths\"", json);
        var again = SpaceFile.Parse(json);
        Assert.Equal(Space, again);
        Assert.NotEqual(BuiltinSpaces.FmnistMbconv with { Name = Space.Name }, again); // the widths make the difference
        var bad = Assert.Throws<SpaceException>(() => SpaceFile.Parse(json.Replace("16,", "\"16\",")));
        Assert.Contains("blocks[0].widths[0] must be an integer", bad.Message);
    }

    [Fact]
    public void The_size_counts_every_width_of_every_block()
    {
        Assert.Equal(BuiltinSpaces.FmnistMbconv.Size() * 81, Space.Size());
    }

    [Fact]
    public void A_block_costs_more_after_a_wider_block_and_the_head_after_a_wider_last_block()
    {
        var narrow = Architecture.Parse("k3e6/k5e3@32/k3e3/k7e6@72", Space);
        var wide = Architecture.Parse("k3e6/k5e3@48/k3e3/k7e6@120", Space);
        // Block 3 is the same candidate at the same width; only the width before it differs.
        var third = narrow.Blocks[2];
        Assert.True(CostModel.Candidate(Space.At(wide), 2, third).Params > CostModel.Candidate(Space.At(narrow), 2, third).Params);
        Assert.True(CostModel.Head(Space.At(wide)).Params > CostModel.Head(Space.At(narrow)).Params);
        Assert.Equal(CostModel.Stem(Space.At(wide)), CostModel.Stem(Space.At(narrow)));
    }

    [Fact]
    public void Every_sampled_architecture_costs_within_the_space_s_range_and_the_extremes_reach_it()
    {
        var (min, max) = CostModel.SpaceRange(Space);
        var rng = new StableRandom(3);
        var seenWidths = new HashSet<int>();
        for (int i = 0; i < 500; i++)
        {
            var arch = Space.Sample(rng);
            var cost = CostModel.Of(Space, arch);
            Assert.InRange(cost.Params, min.Params, max.Params);
            Assert.InRange(cost.Macs, min.Macs, max.Macs);
            seenWidths.Add(arch.Width(1, Space));
        }
        Assert.Equal([32, 40, 48], seenWidths.Order());
        var smallest = Architecture.Parse("k3e3@16/k3e3@32/k3e3@48/k3e3@72", Space);
        var largest = Architecture.Parse("k7e6|k7e6@32/k7e6|k7e6|k7e6@48/k7e6|k7e6|k7e6@80/k7e6|k7e6@120", Space);
        Assert.Equal(min.Params, CostModel.Of(Space, smallest).Params);
        Assert.Equal(max.Params, CostModel.Of(Space, largest).Params);
    }
}
