using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Training;

namespace DnaNas.Tests;

/// <summary>DNA++ (<c>dna run --supervision self</c>): block-wise self-supervision with no teacher, and its collapse check both ways.</summary>
// Lane B: lane A holds the tiny reference run and what compares with it; this trains in this process on one thread too,
// holding the process's generator (GlobalTorchGenerator).
[Collection(Lanes.B)]
public class SelfSupervisedTests
{
    private static readonly DatasetRequest Digits = new(DatasetKind.Digits, null, 28, 1);

    /// <summary>
    /// The tiny preset on the 8x8 digits, self-supervised: many short block epochs on few images, at a learning rate
    /// that lets a shortcut win, so that a collapse has the steps to happen in.
    /// </summary>
    private static DnaConfig Tiny(SelfSupervisedRecipe recipe) => DnaConfig.Preset("tiny", Digits) with
    {
        Data = Digits with { MaxTest = 300 },
        SelfSupervision = recipe,
        FeatureImages = 256,
        RatingImages = 128,
        BlockRecipe = new BlockRecipe { Epochs = 12, BatchSize = 32, LearningRate = 0.01 },
    };

    private static string TempFolder(string name) => Path.Combine(Path.GetTempPath(), $"dna-{name}-{Guid.NewGuid():N}");

    [Fact]
    public void Without_the_variance_term_and_the_predictor_the_cells_collapse_and_the_run_stops_before_storing_a_rating()
    {
        using var exclusive = GlobalTorchGenerator.Exclusive();
        string folder = TempFolder("collapse");
        try
        {
            var run = new DnaRun(folder, Tiny(new SelfSupervisedRecipe { VarianceWeight = 0, Predictor = false }));
            var lines = new List<string>();
            var error = Record.Exception(() => run.Run(resume: false, new Reporter<PipelineEvent>(e => lines.Add(e.Message)), until: BlockStage.StageName));
            Assert.True(error is TrainingException, string.Join("\n", lines.Where(l => l.Contains("spread"))));
            Assert.Contains("block 1 collapsed", error!.Message);
            Assert.False(run.Layout.ReadState().IsDone(BlockStage.StageName));
            using var store = new RatingStore(run.Layout.RatingsPath);
            Assert.Equal(0, store.Count(0));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void With_the_full_loss_no_block_collapses_on_the_same_recipe_every_candidate_is_rated_with_no_teacher_and_the_search_retrains_its_pick()
    {
        using var exclusive = GlobalTorchGenerator.Exclusive();
        string folder = TempFolder("dnapp");
        try
        {
            var run = new DnaRun(folder, Tiny(new SelfSupervisedRecipe()));
            var state = run.Run(resume: false, new Progress<PipelineEvent>());
            Assert.Equal(DnaRun.SelfSupervisedStages.Select(s => s.Name), state.Done);
            Assert.False(Directory.Exists(run.Layout.TeacherFolder));
            var space = run.Layout.ReadSpace();
            using (var store = new RatingStore(run.Layout.RatingsPath))
            {
                Assert.Equal(EnsembleRating.Metric, store.GetMeta("metric"));
                for (int b = 0; b < space.Blocks.Count; b++)
                {
                    var ratings = store.Block(b);
                    Assert.Equal((int)space.CandidateCount(b), ratings.Count);
                    // Distances 2 - 2 cos lie in [0, 4], and the candidates are told apart.
                    Assert.All(ratings, r => Assert.InRange(r.ScaledMae, 0, 4));
                    Assert.True(ratings.Max(r => r.ScaledMae) - ratings.Min(r => r.ScaledMae) > 1e-3, $"block {b + 1}: every candidate rated alike");
                }
            }
            var best = run.Layout.ReadSearch().Best;
            Assert.Equal(best.Architecture, new TrainRun(run.Layout.RetrainFolder).ReadResult()!.Architecture);
            Assert.Contains("DNA++: self-supervised block training", File.ReadAllText(run.Layout.SummaryPath));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }
}
