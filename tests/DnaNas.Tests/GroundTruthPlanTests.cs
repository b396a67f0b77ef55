using DnaNas.Data;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Studies;
using DnaNas.Training;
using DnaNas.Training.Jobs;

namespace DnaNas.Tests;

/// <summary>Ground truth in cost bands, with second seeds for the noise ceiling and a frozen protocol in every row.</summary>
[Collection(Lanes.A)]
public class GroundTruthPlanTests
{
    private static readonly SearchSpace Space = BuiltinSpaces.FmnistMbconv;

    private static long Params(Architecture a) => CostModel.Of(Space, a).Params;

    [Fact]
    public void The_preset_bands_fill_the_searched_budgets_first_with_seven_pairs_each_and_fifty_four_distinct_networks()
    {
        var trainings = GroundTruthPlan.PresetBands().Trainings(Space, CostKind.Params, seed: 0);

        Assert.Equal(54, trainings.Select(t => t.Architecture.ToString()).Distinct().Count());
        Assert.Equal(21, trainings.Count(t => t.Seed == 1));
        // The quick preset's band and its pairs come first, then its widened band, then the full preset's, then the spread.
        Assert.Equal(Enumerable.Repeat("quick", 21).Concat(Enumerable.Repeat("quick-wide", 21)).Concat(Enumerable.Repeat("full", 21)).Concat(Enumerable.Repeat("spread", 12)),
            trainings.Select(t => t.Band));
        Assert.All(trainings.Where(t => t.Band == "quick"), t => Assert.InRange(Params(t.Architecture), 150_000, 250_000));
        Assert.All(trainings.Where(t => t.Band == "quick-wide"), t => Assert.InRange(Params(t.Architecture), 80_000, 250_000));
        // Widening added networks of its own and left the bands planned before it as they were.
        var without = new GroundTruthPlan([.. GroundTruthPlan.PresetBands().Bands.Where(b => b.Name != "quick-wide")]).Trainings(Space, CostKind.Params, seed: 0);
        Assert.Equal(without.Where(t => t.Band is "quick" or "full"), trainings.Where(t => t.Band is "quick" or "full"));
        var wide = trainings.Where(t => t.Band == "quick-wide" && t.Seed == 0).Select(t => Params(t.Architecture)).ToList();
        Assert.True(wide.Min() < 120_000, $"quick-wide starts at {wide.Min():N0}");
        Assert.All(trainings.Where(t => t.Band == "full"), t => Assert.InRange(Params(t.Architecture), 350_000, 500_000));
        // A band's networks spread over its range, and its second seeds repeat first-seed networks spread over it too.
        var quick = trainings.Where(t => t.Band == "quick" && t.Seed == 0).Select(t => Params(t.Architecture)).ToList();
        Assert.True(quick.Max() - quick.Min() > 80_000, $"quick band spans {quick.Min():N0}-{quick.Max():N0}");
        var pairs = trainings.Where(t => t.Band == "quick" && t.Seed == 1).Select(t => t.Architecture.ToString()).ToList();
        Assert.All(pairs, a => Assert.Contains(trainings, t => t.Seed == 0 && t.Architecture.ToString() == a));
        Assert.True(pairs.Select(a => Params(Architecture.Parse(a, Space))).Max() - pairs.Select(a => Params(Architecture.Parse(a, Space))).Min() > 60_000);

        // The same seed plans the same trainings; another seed, others.
        Assert.Equal(trainings, GroundTruthPlan.PresetBands().Trainings(Space, CostKind.Params, seed: 0));
        Assert.NotEqual(trainings.Select(t => t.Architecture.ToString()), GroundTruthPlan.PresetBands().Trainings(Space, CostKind.Params, seed: 5).Select(t => t.Architecture.ToString()));
    }

    [Fact]
    public void A_band_is_parsed_from_its_text_and_bad_text_is_a_one_line_error_with_an_example()
    {
        Assert.Equal(new CostBand("quick", 150_000, 250_000, 14, 7), CostBand.Parse("quick:150000-250000:14:7"));
        Assert.Equal(new CostBand("wide", 0, 900_000, 5), CostBand.Parse("wide:0-900000:5"));
        foreach (var bad in new[] { "quick:250000-150000:14", "quick:150000:14", "quick:1-2:0", "quick:1-2:3:4", ":1-2:3" })
            Assert.Contains("e.g. quick:150000-250000:14:7", Assert.Throws<ArgumentException>(() => CostBand.Parse(bad)).Message);
    }

    [Fact]
    public void A_protocol_name_recorded_with_one_recipe_refuses_another_recipe_under_the_same_name()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dna-gt-protocol-{Guid.NewGuid():N}");
        try
        {
            var protocol = new GroundTruthProtocol("test-v1", new TrainRecipe { Epochs = 2 }, 1_000);
            using (var store = new GroundTruthStore(Path.Combine(folder, "ground-truth.db")))
            {
                store.RequireProtocol(protocol);
                store.RequireProtocol(protocol); // the same definition again is fine
            }
            using (var store = new GroundTruthStore(Path.Combine(folder, "ground-truth.db")))
            {
                var e = Assert.Throws<TrainingException>(() => store.RequireProtocol(protocol with { Recipe = protocol.Recipe with { Epochs = 3 } }));
                Assert.Contains("test-v1", e.Message);
                Assert.Contains("new name", e.Message);
            }
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Banded_ground_truth_trains_second_seeds_in_folders_of_their_own_and_summarises_spread_against_noise()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dna-gt-bands-{Guid.NewGuid():N}");
        try
        {
            var config = new GroundTruthConfig("fmnist-mbconv",
                new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1) { MaxTrain = 256, MaxTest = 128, MaxValidation = 128 },
                new TrainRecipe { Epochs = 1, BatchSize = 64 }, CostKind.Params, 3);
            var plan = new GroundTruthPlan([new CostBand("small", 100_000, 200_000, 2, 2), CostBand.Spread(1)]);
            var run = new GroundTruthRun(folder, config);
            var entries = run.Run(plan, new Reporter<JobProgress>(_ => { }));

            Assert.Equal(5, entries.Count);
            Assert.All(entries, e => Assert.True(e.IsTrained));
            Assert.All(entries, e => Assert.Equal(GroundTruthProtocol.DnaNasTrainer, e.Trainer));
            Assert.All(entries, e => Assert.False(string.IsNullOrEmpty(e.Cpu)));
            var pairs = entries.Where(e => e.Band == "small").GroupBy(e => e.Architecture).ToList();
            Assert.Equal(2, pairs.Count);
            Assert.All(pairs, p => Assert.Equal([3L, 4L], p.Select(e => e.Seed!.Value).Order()));
            // Two seeds of one network are two trainings, each in its own folder with its own seed.
            var first = pairs[0].ToList();
            var results = first.Select(e => new TrainRun(run.ArchitectureFolder(e.Architecture, e.Seed)).ReadResult()!).ToList();
            Assert.Equal([3L, 4L], results.Select(r => r.Seed).Order());
            Assert.NotEqual(results[0].History[0].TrainLoss, results[1].History[0].TrainLoss);

            var small = Assert.Single(BandSummary.Of(entries, config.Seed), b => b.Band == "small");
            Assert.Equal((2, 2, 2), (small.Planned, small.Trained, small.Pairs));
            Assert.False(double.IsNaN(small.SeedNoise)); // measured from the two pairs (at chance level here, both seeds may agree exactly)
            Assert.Contains("| small | 2/2 |", File.ReadAllText(run.SummaryPath));

            // A later session with only the database (no archs/ folder) trains nothing again.
            Directory.Delete(Path.Combine(folder, "archs"), true);
            var trained = new List<string>();
            var again = new GroundTruthRun(folder, config).Run(plan, new Reporter<JobProgress>(p => trained.Add(p.Message)));
            Assert.Empty(trained);
            Assert.Equal(entries, again);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }
}
