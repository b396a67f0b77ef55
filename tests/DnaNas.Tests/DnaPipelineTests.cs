using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Methods.Dna;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Tests;

[Collection(Lanes.A)]
public class DnaPipelineTests
{
    [Fact]
    public void The_prefix_sharing_walk_gives_the_same_ratings_as_rating_each_candidate_from_scratch()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        random.manual_seed(4);
        using var cell = new BlockSupernet(space, 1);
        using var scope = NewDisposeScope();
        var calibration = new[] { randn(32, 24, 14, 14), randn(32, 24, 14, 14) };
        var inputs = new[] { randn(40, 24, 14, 14), randn(24, 24, 14, 14) };
        var targets = new[] { randn(40, 40, 7, 7), randn(24, 40, 7, 7) };
        var rater = new BlockRater(cell, new RatingData(calibration, inputs, targets), new DistillationObjective());
        var walked = new List<CandidateRating>();
        rater.RateAll(op => op > 1, (_, ratings) => walked.AddRange(ratings));
        Assert.Equal(2 * (1 + 6 + 36), walked.Count);
        var naive = rater.RateNaively(walked.Select(r => r.Candidate));
        for (int i = 0; i < walked.Count; i++)
        {
            Assert.Equal(naive[i].Candidate, walked[i].Candidate);
            Assert.Equal(naive[i].Mse, walked[i].Mse, 1e-5);
            Assert.Equal(naive[i].ScaledMae, walked[i].ScaledMae, 1e-5);
        }
    }

    [Fact]
    public void A_cell_at_another_width_projects_to_the_teacher_s_channels_and_its_walk_matches_rating_from_scratch()
    {
        // Block 2 of the width space at 48 channels, rated against 40-channel teacher outputs through its projection.
        var cell = new BlockCell(1, 48, 40);
        random.manual_seed(6);
        using var supernet = cell.Build(BuiltinSpaces.FmnistMbconvWidths);
        Assert.True(supernet.Projects);
        using var scope = NewDisposeScope();
        var inputs = new[] { randn(40, 24, 14, 14) };
        var targets = new[] { randn(40, 40, 7, 7) };
        Assert.Equal([40, 40, 7, 7], supernet.call(inputs[0], [0, -1, -1]).shape);
        var rater = new BlockRater(supernet, new RatingData([randn(32, 24, 14, 14)], inputs, targets), new DistillationObjective());
        var walked = new List<CandidateRating>();
        rater.RateAll(op => op != 2, (_, ratings) => walked.AddRange(ratings));
        Assert.Equal(1 + 6 + 36, walked.Count);
        var naive = rater.RateNaively(walked.Select(r => r.Candidate));
        for (int i = 0; i < walked.Count; i++)
        {
            Assert.Equal(naive[i].Mse, walked[i].Mse, 1e-5);
            Assert.Equal(naive[i].ScaledMae, walked[i].ScaledMae, 1e-5);
        }
        Assert.False(new BlockCell(1, 40, 40).Build(BuiltinSpaces.FmnistMbconvWidths).Projects); // the reference width needs none
    }

    [Fact]
    public void The_walk_matches_rating_from_scratch_in_block_zero_where_the_stem_is_calibrated_once()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        random.manual_seed(5);
        using var cell = new BlockSupernet(space, 0);
        using var scope = NewDisposeScope();
        var rater = new BlockRater(cell, new RatingData(
            [randn(32, 1, 28, 28), randn(32, 1, 28, 28)], [randn(48, 1, 28, 28)], [randn(48, 24, 14, 14)]), new DistillationObjective());
        var walked = new List<CandidateRating>();
        rater.RateAll(op => op != 3, (_, ratings) => walked.AddRange(ratings));
        Assert.Equal(7, walked.Count);
        var naive = rater.RateNaively(walked.Select(r => r.Candidate));
        for (int i = 0; i < walked.Count; i++)
        {
            Assert.Equal(naive[i].Mse, walked[i].Mse, 1e-5);
            Assert.Equal(naive[i].ScaledMae, walked[i].ScaledMae, 1e-5);
        }
    }

    [Fact]
    public void Teacher_features_computed_in_batches_equal_those_computed_at_once_and_a_head_keeps_the_first_rows()
    {
        var data = Datasets.Load(new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1) { MaxTrain = 7, MaxValidation = 4, MaxTest = 4 });
        var space = BuiltinSpaces.FmnistMbconv;
        random.manual_seed(11);
        using var teacher = new MBConvNet(space, BuiltinSpaces.DefaultArchitecture(space));
        // Batches of 3 leave a short last batch, so each batch must land in its own rows of the store.
        using var batched = TeacherFeatures.Compute(teacher, data.Train, data.Mean, data.Std, batchSize: 3);
        using var whole = TeacherFeatures.Compute(teacher, data.Train, data.Mean, data.Std, batchSize: 64);
        using var head = batched.Head(5);
        using var scope = NewDisposeScope();
        var all = arange(7, dtype: ScalarType.Int64);
        var first = arange(5, dtype: ScalarType.Int64);
        Assert.Equal(7, batched.Count);
        Assert.Equal(5, head.Count);
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            // A batch's size may change the convolution kernels' summation order, never more than half-precision rounding.
            Assert.True(batched.Input(b, all).allclose(whole.Input(b, all), rtol: 2e-3, atol: 2e-3), $"inputs of block {b}");
            Assert.True(batched.Target(b, all).allclose(whole.Target(b, all), rtol: 2e-3, atol: 2e-3), $"targets of block {b}");
            Assert.True(head.Target(b, first).Equals(batched.Target(b, first)), $"head of block {b}");
        }
    }

    [Fact]
    public void The_baseline_is_the_largest_uniform_network_within_the_budget_or_the_cheapest_when_none_fits()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var uniform = new List<(Architecture Arch, long Params)>();
        foreach (var op in space.Ops)
            for (int trim = 0; trim < 3; trim++)
            {
                var arch = new Architecture(space.Blocks.Select(b =>
                    new Candidate(Enumerable.Range(0, b.Layers).Select(l => l < Math.Max(b.MinLayers, b.Layers - trim) ? op : Op.Skip))));
                uniform.Add((arch, CostModel.Of(space, arch).Params));
            }
        foreach (long budget in new long[] { 200_000, 250_000, 500_000 })
        {
            var baseline = UniformBaseline.For(space, DnaNas.Search.CostKind.Params, budget);
            Assert.Single(baseline.Blocks.SelectMany(b => b.Layers).Where(op => !op.IsSkip).Distinct());
            long cost = CostModel.Of(space, baseline).Params;
            Assert.True(cost <= budget);
            Assert.Equal(uniform.Where(u => u.Params <= budget).Max(u => u.Params), cost);
        }
        Assert.Equal("k5e3|k5e3/k5e3|k5e3|k5e3/k5e3|k5e3|k5e3/k5e3|k5e3",
            UniformBaseline.For(space, DnaNas.Search.CostKind.Params, 250_000).ToString());
        var cheapest = UniformBaseline.For(space, DnaNas.Search.CostKind.Params, 1_000);
        Assert.Equal(uniform.Min(u => u.Params), CostModel.Of(space, cheapest).Params);
    }
}
