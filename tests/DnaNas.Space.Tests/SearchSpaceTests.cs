using DnaNas.Randomness;
using System.Numerics;
using DnaNas.Space;

namespace DnaNas.Space.Tests;

public class SearchSpaceTests
{
    [Fact]
    public void Space_size_is_the_product_of_the_sums_over_depths_of_op_powers()
    {
        // imagenet-dna: blocks of 2,4,4,4,4,1 layers with minimum depths 1,2,2,2,2,1 and 6 ops.
        BigInteger b2 = 6 + 36, b4 = 36 + 216 + 1296, b1 = 6;
        Assert.Equal(b2 * BigInteger.Pow(b4, 4) * b1, BuiltinSpaces.ImagenetDna.Size());
        // fmnist-mbconv: 2,3,3,2 layers, all with minimum depth 1.
        BigInteger f2 = 6 + 36, f3 = 6 + 36 + 216;
        Assert.Equal(f2 * f3 * f3 * f2, BuiltinSpaces.FmnistMbconv.Size());
    }

    [Fact]
    public void Enumerating_a_block_yields_every_candidate_once()
    {
        var space = BuiltinSpaces.ImagenetDna;
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var all = space.EnumerateCandidates(b).Select(c => c.ToString()).ToList();
            Assert.Equal((int)space.CandidateCount(b), all.Count);
            Assert.Equal(all.Count, all.Distinct().Count());
        }
    }

    [Fact]
    public void Enumeration_visits_a_prefix_before_its_extensions()
    {
        var list = BuiltinSpaces.FmnistMbconv.EnumerateCandidates(1).Select(c => c.ToString()).ToList();
        Assert.Equal("k3e3|skip|skip", list[0]);
        Assert.Equal("k3e3|k3e3|skip", list[1]);
        Assert.Equal("k3e3|k3e3|k3e3", list[2]);
    }

    [Fact]
    public void Uniform_sampling_reaches_every_depth_in_proportion_to_its_count()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var rng = new StableRandom(3);
        var depths = Enumerable.Range(0, 20000).Select(_ => space.SampleCandidate(1, rng).Depth).ToList();
        // 6, 36 and 216 candidates of depth 1, 2, 3 out of 258.
        Assert.InRange(depths.Count(d => d == 3) / 20000.0, 216 / 258.0 - 0.02, 216 / 258.0 + 0.02);
        Assert.InRange(depths.Count(d => d == 1) / 20000.0, 6 / 258.0 - 0.01, 6 / 258.0 + 0.01);
    }

    [Fact]
    public void Depth_first_sampling_gives_every_depth_an_equal_share_and_every_op_at_each_depth()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var rng = new StableRandom(3);
        var candidates = Enumerable.Range(0, 30000).Select(_ => space.SampleCandidateDepthFirst(1, rng)).ToList();
        foreach (int depth in new[] { 1, 2, 3 })
            Assert.InRange(candidates.Count(c => c.Depth == depth) / 30000.0, 1 / 3.0 - 0.02, 1 / 3.0 + 0.02);
        // Depth 1 has 6 candidates: each drawn about 1/18 of the time, none missing.
        var shallow = candidates.Where(c => c.Depth == 1).GroupBy(c => c.ToString()).ToList();
        Assert.Equal(6, shallow.Count);
        Assert.All(shallow, g => Assert.InRange(g.Count() / 30000.0, 1 / 18.0 - 0.01, 1 / 18.0 + 0.01));
    }

    [Fact]
    public void A_space_read_back_from_its_json_equals_the_original_and_hashes_alike()
    {
        foreach (var space in BuiltinSpaces.All)
        {
            var again = SpaceFile.Parse(SpaceFile.ToJson(space));
            Assert.NotSame(space.Ops, again.Ops); // fresh lists: only their contents can make the two equal
            Assert.True(space == again, space.Name);
            Assert.Equal(space.GetHashCode(), again.GetHashCode());
        }
    }

    [Fact]
    public void Spaces_that_differ_in_one_list_element_are_not_equal()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var otherOp = space with { Ops = [.. space.Ops.Take(space.Ops.Count - 1), new MBConvOp(3, 1)] };
        var otherBlock = space with { Blocks = [.. space.Blocks.Take(3), space.Blocks[3] with { MinLayers = 2 }] };
        var reordered = space with { Ops = [.. space.Ops.Reverse()] };
        var sameContents = space with { Ops = [.. space.Ops], Blocks = [.. space.Blocks] };
        Assert.NotEqual(space, otherOp);
        Assert.NotEqual(space, otherBlock);
        Assert.NotEqual(space, reordered); // op order is the op index of supernet paths and checkpoints
        Assert.Equal(space, sameContents);
        Assert.NotEqual(space, space with { Activation = Activation.Swish });
    }

    [Fact]
    public void Built_in_spaces_survive_a_json_round_trip()
    {
        foreach (var space in BuiltinSpaces.All)
        {
            var again = SpaceFile.Parse(SpaceFile.ToJson(space));
            Assert.Equal(SpaceFile.ToJson(space), SpaceFile.ToJson(again));
            Assert.Equal(space.Size(), again.Size());
        }
    }

    [Fact]
    public void A_space_file_with_a_bad_op_names_the_file_and_the_token()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dna-space-{Guid.NewGuid():N}.json");
        var json = SpaceFile.ToJson(BuiltinSpaces.FmnistMbconv).Replace("\"k5e6\"", "\"k5x6\"");
        File.WriteAllText(path, json);
        try
        {
            var e = Assert.Throws<SpaceException>(() => BuiltinSpaces.Resolve(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("ops[3] \"k5x6\"", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_space_file_with_a_bad_stride_names_the_field()
    {
        var json = SpaceFile.ToJson(BuiltinSpaces.FmnistMbconv).Replace("\"stride\": 2,\n      \"channels\": 40", "\"stride\": 3,\n      \"channels\": 40");
        var e = Assert.Throws<SpaceException>(() => SpaceFile.Parse(json));
        Assert.Contains("blocks[1].stride", e.Message);
    }

    [Fact]
    public void An_unknown_space_name_lists_the_built_in_spaces()
    {
        var e = Assert.Throws<SpaceException>(() => BuiltinSpaces.Resolve("cifar-darts"));
        Assert.Contains("fmnist-mbconv", e.Message);
        Assert.Contains("imagenet-dna", e.Message);
    }

    [Fact]
    public void Costs_are_additive_over_stem_blocks_and_head()
    {
        var space = BuiltinSpaces.ImagenetDna;
        var arch = space.Sample(new StableRandom(5));
        var sum = CostModel.Stem(space) + CostModel.Head(space);
        for (int b = 0; b < space.Blocks.Count; b++) sum += CostModel.Candidate(space, b, arch.Blocks[b]);
        Assert.Equal(sum, CostModel.Of(space, arch));
    }

    [Fact]
    public void The_space_range_bounds_every_sampled_architecture_and_is_attained()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var (min, max) = CostModel.SpaceRange(space);
        var rng = new StableRandom(8);
        for (int i = 0; i < 500; i++)
        {
            var c = CostModel.Of(space, space.Sample(rng));
            Assert.InRange(c.Params, min.Params, max.Params);
            Assert.InRange(c.Macs, min.Macs, max.Macs);
        }
        var smallest = Architecture.Parse("k3e3/k3e3/k3e3/k3e3", space);
        Assert.Equal(min, CostModel.Of(space, smallest));
        var largest = Architecture.Parse("k7e6|k7e6/k7e6|k7e6|k7e6/k7e6|k7e6|k7e6/k7e6|k7e6", space);
        Assert.Equal(max, CostModel.Of(space, largest));
    }
}
