using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Tests;

/// <summary>What a staged run does when a stage's training diverges, and what it records of a stage's memory.</summary>
[Collection(Lanes.A)]
public class StagedRunTests
{
    /// <summary>A stage that trains a small network on real Fashion-MNIST images with a learning rate that must diverge.</summary>
    private sealed class DivergingTraining : IStage<DatasetSplits>
    {
        public string Name => "Teacher";

        public void Run(DatasetSplits data)
        {
            var space = BuiltinSpaces.FmnistMbconv;
            using var model = new MBConvNet(space, Architecture.Parse("k3e3/k3e3/k3e3/k3e3", space));
            new Trainer(new TrainRecipe { Epochs = 1, BatchSize = 64, LearningRate = 1e30, WarmupEpochs = 0 }, seed: 1)
                .Train(model, data, "diverging");
        }
    }

    /// <summary>What would store ratings: it must never run after a stage that diverged.</summary>
    private sealed class Rating(List<string> ran) : IStage<DatasetSplits>
    {
        public string Name => "Rating";
        public void Run(DatasetSplits data) => ran.Add(Name);
    }

    [Fact]
    public void A_diverging_loss_stops_its_stage_at_once_naming_stage_epoch_and_step_and_nothing_after_it_runs()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dna-staged-nan-{Guid.NewGuid():N}");
        try
        {
            var data = Datasets.Load(new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1) { MaxTrain = 512, MaxValidation = 128, MaxTest = 128 });
            var ran = new List<string>();
            var run = new StagedRun(folder, "test", "test run");
            Directory.CreateDirectory(folder);
            var state = run.Load(resume: false);

            var e = Assert.Throws<TrainingException>(() =>
                run.Run(state, new IStage<DatasetSplits>[] { new DivergingTraining(), new Rating(ran) }, data, (_, _) => { }, CancellationToken.None));

            Assert.Matches(@"^Teacher: epoch 1 step \d+: the loss is (NaN|∞|-∞|Infinity)", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Empty(ran);
            Assert.False(File.Exists(Path.Combine(folder, StagedRun.StateFileName)) && StagedRun.Read(Path.Combine(folder, StagedRun.StateFileName)).IsDone("Teacher"));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    /// <summary>Holds 320 MB, every page written, for the length of the stage.</summary>
    private sealed class LargeStage : IStage<string>
    {
        public string Name => "Large";

        public void Run(string folder)
        {
            var block = new byte[320 << 20];
            Array.Fill(block, (byte)1);
            GC.KeepAlive(block);
        }
    }

    private sealed class SmallStage : IStage<string>
    {
        public string Name => "Small";
        public void Run(string folder) { }
    }

    /// <summary>A stage that is itself a staged run, as a DNA+ generation is a DNA run.</summary>
    private sealed class NestedRun : IStage<string>
    {
        public string Name => "Generation 1";

        public void Run(string folder)
        {
            var inner = new StagedRun(Path.Combine(folder, "generation-1"), "inner", "inner run");
            Directory.CreateDirectory(Path.Combine(folder, "generation-1"));
            inner.Run(inner.Load(resume: false), new IStage<string>[] { new LargeStage(), new SmallStage() }, folder, (_, _) => { }, CancellationToken.None);
        }
    }

    [Fact]
    public void A_stage_that_runs_stages_of_its_own_records_the_largest_peak_among_them_not_only_its_last_ones()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dna-staged-peak-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(folder);
            var outer = new StagedRun(folder, "outer", "outer run");
            var state = outer.Run(outer.Load(resume: false), new IStage<string>[] { new NestedRun() }, folder, (_, _) => { }, CancellationToken.None);

            var inner = StagedRun.Read(Path.Combine(folder, "generation-1", StagedRun.StateFileName)).StagePeakBytes!;
            // The inner peaks must tell the two stages apart, or the outer figure below proves nothing.
            Assert.True(inner["Large"] > inner["Small"] + (200L << 20), $"large {inner["Large"] >> 20} MB, small {inner["Small"] >> 20} MB");
            Assert.True(state.StagePeakBytes!["Generation 1"] >= inner["Large"],
                $"the generation recorded {state.StagePeakBytes["Generation 1"] >> 20} MB, its Large stage {inner["Large"] >> 20} MB");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }
}
