using DnaNas.Randomness;
using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Studies;
using DnaNas.Training.Jobs;
using DnaNas.Methods.OneShot;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Tests;

[Collection(Lanes.A)]
public class SupernetTests
{
    private static readonly SearchSpace Space = BuiltinSpaces.FmnistMbconv;
    private static readonly SinglePathStep Spos = new(new PathSampler(Space), new TrainRecipe().LabelSmoothing);

    private static DatasetSplits Slice(int train) =>
        Datasets.Load(new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1) { MaxTrain = train, MaxTest = 256, MaxValidation = 512 });

    private static string TempFolder() => Path.Combine(Path.GetTempPath(), $"dna-test-{Guid.NewGuid():N}");

    private static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    /// <summary>Parameter names of layer ops that no path in <paramref name="paths"/> uses ("blocks.b.layers.l.op.").</summary>
    private static bool OffEveryPath(string name, IEnumerable<int[][]> paths)
    {
        var parts = name.Split('.');
        if (parts.Length < 5 || parts[0] != "blocks" || parts[2] != "layers") return false;
        int b = int.Parse(parts[1]), l = int.Parse(parts[3]), op = int.Parse(parts[4]);
        return paths.All(p => l >= p[b].Length || p[b][l] != op);
    }

    [Fact]
    public void A_training_step_changes_the_weights_of_the_sampled_path_only()
    {
        var data = Slice(512);
        random.manual_seed(1);
        using var supernet = new SinglePathSupernet(Space);
        var before = Snapshot(supernet);
        var trainer = new SupernetTrainer(new TrainRecipe { Epochs = 1, BatchSize = 512, WarmupEpochs = 0 }, seed: 3);
        // One step, one path: the only path is the one the sampler draws first for epoch 0.
        var sampled = new PathSampler(Space).Sample(SupernetTrainer.PathStream(3, epoch: 0));
        trainer.Train(supernet, data, Spos, "one-step");
        var path = supernet.PathOf(sampled);
        int changedOff = 0, changedOn = 0;
        foreach (var (name, p) in supernet.named_parameters())
        {
            bool changed = !p.detach().allclose(before[name], 0, 0);
            if (OffEveryPath(name, [path])) changedOff += changed ? 1 : 0;
            else changedOn += changed ? 1 : 0;
        }
        Assert.Equal(0, changedOff);
        Assert.True(changedOn > 10, $"only {changedOn} tensors on the path changed");
    }

    [Fact]
    public void Spos_training_learns_and_a_resumed_run_equals_an_uninterrupted_one()
    {
        using var exclusive = GlobalTorchGenerator.Exclusive();
        var data = Slice(1024);
        // SPOS learns slowly at first (a random op at every layer each step): about 60 steps pass before the loss falls.
        var recipe = new TrainRecipe { Epochs = 5, BatchSize = 32, LearningRate = 0.05, WarmupEpochs = 0 };
        string folder = TempFolder();
        try
        {
            random.manual_seed(2);
            using var whole = new SinglePathSupernet(Space);
            var wholeState = new SupernetTrainer(recipe, 5).Train(whole, data, Spos, "f");
            // Below ln(10), the loss of a uniform guess over the 10 classes, and clearly below the first epoch's.
            Assert.True(wholeState.History[^1].TrainLoss < Math.Min(Math.Log(10), wholeState.History[0].TrainLoss - 0.05),
                $"{wholeState.History[0].TrainLoss:F3} -> {wholeState.History[^1].TrainLoss:F3}");
            var uninterrupted = Snapshot(whole);

            // The same training stopped after its first epoch, then resumed from the checkpoint into other weights.
            random.manual_seed(2);
            using (var first = new SinglePathSupernet(Space))
            {
                Directory.CreateDirectory(folder);
                Assert.ThrowsAny<OperationCanceledException>(() => new SupernetTrainer(recipe, 5).Train(first, data, Spos, "f", Path.Combine(folder, "supernet.bin"),
                    new Reporter<TrainProgress>(p => { if (p.Finished is not null) throw new OperationCanceledException(); })));
            }
            random.manual_seed(99); // different init: everything must come from the checkpoint
            using var resumed = new SinglePathSupernet(Space);
            var state = new SupernetTrainer(recipe, 5).Train(resumed, data, Spos, "f", Path.Combine(folder, "supernet.bin"));
            Assert.Equal(recipe.Epochs, state.CompletedEpochs);
            Assert.Equal(wholeState.History[^1].TrainLoss, state.History[^1].TrainLoss, 1e-6);
            foreach (var (name, p) in resumed.named_parameters()) Assert.True(p.detach().allclose(uninterrupted[name], 1e-5, 1e-6), name);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void A_path_is_rated_the_same_every_time_whatever_path_was_recalibrated_in_between()
    {
        var data = Slice(1024);
        random.manual_seed(3);
        using var supernet = new SinglePathSupernet(Space);
        new SupernetTrainer(new TrainRecipe { Epochs = 1, BatchSize = 64 }, 1).Train(supernet, data, Spos, "r");
        using var evaluator = new PathEvaluator(supernet, data, calibrationImages: 256, validationImages: 512, seed: 0);
        var a = Architecture.Parse("k3e3|k3e3/k5e6|k5e6|k5e6/k3e3|k3e3|k3e3/k3e6|k3e6", Space);
        var b = Architecture.Parse("k7e6/k3e3/k3e3/k3e3", Space);
        double first = evaluator.Accuracy(a);
        double other = evaluator.Accuracy(b);
        Assert.Equal(first, evaluator.Accuracy(a));
        Assert.Equal(other, evaluator.Accuracy(b));
        Assert.InRange(first, 0, 1);
        Assert.Equal(512, evaluator.ValidationCount);
    }

    [Fact]
    public void Shifting_trains_only_the_candidates_paths_once_per_iteration_or_per_candidate_steps()
    {
        var data = Slice(512);
        var candidates = new[]
        {
            Architecture.Parse("k3e3/k3e3/k3e3/k3e3", Space),
            Architecture.Parse("k5e6|k5e6/k5e6|k5e6|k5e6/k5e6/k5e6", Space),
        };
        foreach (var mode in new[] { ShiftingMode.PerIteration, ShiftingMode.PerCandidate })
        {
            random.manual_seed(4);
            using var supernet = new SinglePathSupernet(Space);
            var before = Snapshot(supernet);
            using var shifter = new SupernetShifter(supernet, data, new ShiftingSettings { Mode = mode, StepsPerCandidate = 3, BatchSize = 32 }, seed: 0);
            shifter.Shift(candidates);
            Assert.Equal(mode == ShiftingMode.PerIteration ? 1 : 6, shifter.Steps);
            var paths = candidates.Select(supernet.PathOf).ToArray();
            int changedOn = 0;
            foreach (var (name, p) in supernet.named_parameters())
            {
                bool changed = !p.detach().allclose(before[name], 0, 0);
                if (OffEveryPath(name, paths)) Assert.False(changed, $"{mode}: {name} is on no candidate's path but changed");
                else if (changed) changedOn++;
            }
            Assert.True(changedOn > 10, $"{mode}: only {changedOn} tensors on the paths changed");
        }
    }

    [Fact]
    public void A_transferred_supernet_keeps_every_feature_weight_and_gets_a_fresh_classifier()
    {
        random.manual_seed(5);
        using var source = new SinglePathSupernet(Space);
        random.manual_seed(6);
        using var target = new SinglePathSupernet(Space with { Classes = 7 });
        var targetBefore = Snapshot(target);
        target.CopyFeaturesFrom(source);
        var src = Snapshot(source);
        foreach (var (name, p) in target.named_parameters())
        {
            if (name.StartsWith("head.classifier.", StringComparison.Ordinal)) Assert.True(p.detach().allclose(targetBefore[name], 0, 0), name);
            else Assert.True(p.detach().allclose(src[name], 0, 0), name);
        }
        Assert.Throws<SpaceException>(() => target.CopyFeaturesFrom(new SinglePathSupernet(BuiltinSpaces.Resolve("imagenet-dna"))));
    }

    [Fact]
    public void Evolution_with_a_supernet_respects_the_budget_and_reports_the_probes_after_every_generation()
    {
        var data = Slice(512);
        random.manual_seed(7);
        using var supernet = new SinglePathSupernet(Space);
        using var evaluator = new PathEvaluator(supernet, data, 128, 256, seed: 0);
        using var shifter = new SupernetShifter(supernet, data, new ShiftingSettings { BatchSize = 32 }, seed: 0);
        var budget = new Budget(CostKind.Params, 150_000);
        var probes = new[] { Architecture.Parse("k3e3/k3e3/k3e3/k3e3", Space) };
        var settings = new Search.Evolution.EvolutionSettings { Population = 4, Generations = 3, Parents = 2, Mutations = 2, Crossovers = 1 };
        var result = new SupernetSearch(supernet, evaluator, shifter).Run(budget, settings, seed: 1, probes);
        Assert.All(result.Search.Evaluated, e => Assert.True(e.Params <= 150_000));
        Assert.Equal(3, result.ShiftSteps);
        Assert.Equal(4, result.Probes!.Accuracies.Count);
        Assert.NotEqual(result.Probes.Accuracies[0][0], result.Probes.Accuracies[^1][0]);
    }

    [Fact]
    public void Ground_truth_trains_each_architecture_once_and_a_rerun_reuses_them_but_refuses_another_configuration()
    {
        string folder = TempFolder();
        try
        {
            var config = new GroundTruthConfig("fmnist-mbconv",
                new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1) { MaxTrain = 256, MaxTest = 128, MaxValidation = 128 },
                new TrainRecipe { Epochs = 1, BatchSize = 64 }, CostKind.Params, 3);
            var first = new GroundTruthRun(folder, config).Run(3, new Reporter<JobProgress>(_ => { }));
            Assert.Equal(3, first.Count);
            Assert.All(first, e => Assert.True(e.IsTrained && e.TestAccuracy is >= 0 and <= 1));
            var written = first.ToDictionary(e => e.Architecture, e => File.GetLastWriteTimeUtc(Path.Combine(new GroundTruthRun(folder, config).ArchitectureFolder(e.Architecture), "result.json")));

            var trained = new List<string>();
            var second = new GroundTruthRun(folder, config).Run(3, new Reporter<JobProgress>(p => trained.Add(p.Message)));
            Assert.Empty(trained); // nothing left to train
            Assert.Equal(first, second);
            foreach (var (arch, time) in written)
                Assert.Equal(time, File.GetLastWriteTimeUtc(Path.Combine(new GroundTruthRun(folder, config).ArchitectureFolder(arch), "result.json")));

            var other = config with { Seed = 4 };
            Assert.Throws<TrainingException>(() => new GroundTruthRun(folder, other).Run(3, new Reporter<JobProgress>(_ => { })));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }
}

[Collection(Lanes.A)]
public class PathSamplerTests
{
    [Fact]
    public void A_cost_bin_keeps_every_sampled_path_inside_it_and_an_empty_bin_is_a_clear_error()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var bin = new CostBin(CostKind.Macs, 8_000_000, 12_000_000);
        var sampler = new PathSampler(space, bin);
        var rng = new StableRandom(1);
        var drawn = Enumerable.Range(0, 200).Select(_ => sampler.Sample(rng)).ToList();
        Assert.All(drawn, a => Assert.InRange(CostModel.Of(space, a).Macs, 8_000_000, 12_000_000));
        Assert.True(drawn.Select(a => a.ToString()).Distinct().Count() > 150, "paths inside the bin should still vary");

        var empty = new PathSampler(space, new CostBin(CostKind.Params, 1, 10));
        var e = Assert.Throws<TrainingException>(() => empty.Sample(rng));
        Assert.Contains("widen the bin", e.Message);
    }
}
