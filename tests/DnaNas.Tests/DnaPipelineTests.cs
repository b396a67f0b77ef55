using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Dna;
using DnaNas.Training.Rating;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Tests;

public class DnaPipelineTests
{
    private static DnaConfig Tiny(long seed = 0) =>
        DnaConfig.Preset("tiny", new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1), seed) with
        {
            FeatureImages = 256, RatingImages = 128,
            TeacherRecipe = new TrainRecipe { Epochs = 1, BatchSize = 64 },
        };

    private static string TempFolder() => Path.Combine(Path.GetTempPath(), $"dna-run-{Guid.NewGuid():N}");

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
        var rater = new BlockRater(cell, new RatingData(calibration, inputs, targets));
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
    public void The_walk_matches_rating_from_scratch_in_block_zero_where_the_stem_is_calibrated_once()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        random.manual_seed(5);
        using var cell = new BlockSupernet(space, 0);
        using var scope = NewDisposeScope();
        var rater = new BlockRater(cell, new RatingData(
            [randn(32, 1, 28, 28), randn(32, 1, 28, 28)], [randn(48, 1, 28, 28)], [randn(48, 24, 14, 14)]));
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
    public void Two_runs_with_the_same_seed_rate_a_block_in_the_same_order_and_a_run_resumes_where_it_was_cancelled()
    {
        string first = TempFolder(), second = TempFolder();
        try
        {
            new DnaPipeline(first, Tiny()).Run(resume: false, new Reporter<PipelineEvent>(_ => { }));

            // Second run: cancelled during block training (after block 1), then during rating (after one subtree).
            var pipeline = new DnaPipeline(second, Tiny());
            using (var cancel = new CancellationTokenSource())
            {
                Assert.ThrowsAny<OperationCanceledException>(() => pipeline.Run(false, new Reporter<PipelineEvent>(e =>
                {
                    if (e.Stage == DnaStage.Blocks && e.Message.StartsWith("block 1:", StringComparison.Ordinal)) cancel.Cancel();
                }), cancel.Token));
            }
            var block1 = File.GetLastWriteTimeUtc(pipeline.BlockCheckpoint(0));
            Assert.False(File.Exists(pipeline.BlockCheckpoint(1)));
            using (var cancel = new CancellationTokenSource())
            {
                Assert.ThrowsAny<OperationCanceledException>(() => pipeline.Run(true, new Reporter<PipelineEvent>(e =>
                {
                    if (e.Stage == DnaStage.Rating && e.Message.Contains("block 2:")) cancel.Cancel();
                }), cancel.Token));
            }
            Assert.Equal(block1, File.GetLastWriteTimeUtc(pipeline.BlockCheckpoint(0)));
            int storedBefore;
            using (var store = new RatingStore(pipeline.RatingsPath)) storedBefore = store.Count(0) + store.Count(1);
            Assert.True(storedBefore > 42, "block 1 and part of block 2 should be stored");

            var events = new List<PipelineEvent>();
            pipeline.Run(true, new Reporter<PipelineEvent>(events.Add));
            Assert.Contains(events, e => e.Stage == DnaStage.Blocks && e.Message == "done earlier");
            Assert.Equal(block1, File.GetLastWriteTimeUtc(pipeline.BlockCheckpoint(0)));

            using var a = new RatingStore(Path.Combine(first, "ratings.db"));
            using var b = new RatingStore(pipeline.RatingsPath);
            for (int block = 0; block < 4; block++)
            {
                var orderA = a.Block(block).OrderBy(r => r.ScaledMae).Select(r => r.Candidate).ToList();
                var orderB = b.Block(block).OrderBy(r => r.ScaledMae).Select(r => r.Candidate).ToList();
                Assert.Equal(orderA, orderB);
            }
            Assert.Equal(new DnaPipeline(first, Tiny()).ReadSearch().Best, pipeline.ReadSearch().Best);
            Assert.True(File.Exists(Path.Combine(second, "summary.md")));
            Assert.True(File.Exists(Path.Combine(second, "plots", "training-curves.png")));
        }
        finally
        {
            if (Directory.Exists(first)) Directory.Delete(first, true);
            if (Directory.Exists(second)) Directory.Delete(second, true);
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
            var baseline = DnaPipeline.Baseline(space, DnaNas.Search.CostKind.Params, budget);
            Assert.Single(baseline.Blocks.SelectMany(b => b.Layers).Where(op => !op.IsSkip).Distinct());
            long cost = CostModel.Of(space, baseline).Params;
            Assert.True(cost <= budget);
            Assert.Equal(uniform.Where(u => u.Params <= budget).Max(u => u.Params), cost);
        }
        Assert.Equal("k5e3|k5e3/k5e3|k5e3|k5e3/k5e3|k5e3|k5e3/k5e3|k5e3",
            DnaPipeline.Baseline(space, DnaNas.Search.CostKind.Params, 250_000).ToString());
        var cheapest = DnaPipeline.Baseline(space, DnaNas.Search.CostKind.Params, 1_000);
        Assert.Equal(uniform.Min(u => u.Params), CostModel.Of(space, cheapest).Params);
    }
}
