using System.Text.Json;
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Hardware;

namespace DnaNas.Tests;

/// <summary><c>dna run --time-budget</c>: the planner's scaling and fitting, and a planned tiny run end to end.</summary>
[Collection(Lanes.B)]
public class TimeBudgetTests
{
    private static readonly RunSizes FashionMnist = new(50_000, 10_000, 10_000);
    private static readonly DatasetRequest Request = new(DatasetKind.FashionMnist, null, 28, 1);
    private static DnaConfig Quick => DnaConfig.Preset("quick", Request) with { MaxTrainTimeRatio = 1.0 };
    // Throughputs of the order the probe measures for the quick preset's baseline on one core of an AMD EPYC.
    private static readonly NetworkThroughput Baseline = new(TrainSeconds: 0.004, InferSeconds: 0.0012);

    [Fact]
    public void The_median_timer_leaves_out_the_warm_up_and_a_slow_round_and_clears_outside_the_clock()
    {
        // Round r sleeps for these milliseconds: a slow warm-up, then one slow timed round among fast ones.
        int[] sleeps = [300, 2, 2, 250, 2, 2];
        int round = 0, calls = 0, cleared = 0;
        double seconds = MedianTimer.SecondsPerStep(() => { calls++; if (calls % 2 == 0) Thread.Sleep(sleeps[round]); },
            warmupRounds: 1, rounds: 5, stepsPerRound: 2, untimed: () => { cleared++; round++; Thread.Sleep(300); });
        Assert.Equal(12, calls);
        Assert.Equal(6, cleared);
        // Per step: a fast round is 2 ms over 2 calls; the warm-up, the slow round and the untimed clearing would be 125 ms or more.
        Assert.InRange(seconds, 0.0009, 0.05);
    }

    [Fact]
    public void At_scale_one_the_plan_is_the_preset_itself()
    {
        Assert.Equal(Quick, TimePlanner.Scaled(Quick, FashionMnist, 1));
    }

    [Fact]
    public void A_scaled_plan_keeps_the_scaled_steps_with_epochs_rounded_up_over_a_smaller_subset()
    {
        var half = TimePlanner.Scaled(Quick, FashionMnist, 0.5);
        // 2.5 of the preset's 5 epochs over 50,000 images: 3 epochs over 41,667.
        Assert.Equal(3, half.RetrainRecipe.Epochs);
        Assert.Equal(41_667, half.Data.MaxTrain);
        Assert.InRange(half.RetrainRecipe.Epochs * half.Data.MaxTrain!.Value, 0.5 * 5 * 50_000 - 3, 0.5 * 5 * 50_000 + 3);
        Assert.Equal(0.6, half.RetrainRecipe.WarmupEpochs, 6);
        // 1.5 of 3 block epochs over 12,000 feature images: 2 over 9,000.
        Assert.Equal(2, half.BlockRecipe.Epochs);
        Assert.Equal(9_000, half.FeatureImages);
        Assert.Equal(1_000, half.RatingImages);

        // More time never means fewer images: whole epochs over every image.
        var more = TimePlanner.Scaled(Quick, FashionMnist, 1.1);
        Assert.Equal(5, more.RetrainRecipe.Epochs);
        Assert.Null(more.Data.MaxTrain);
        Assert.Equal(Quick.FeatureImages, more.FeatureImages);

        var twice = TimePlanner.Scaled(Quick, FashionMnist, 2);
        Assert.Equal(10, twice.RetrainRecipe.Epochs);
        Assert.Null(twice.Data.MaxTrain);
        Assert.Equal(Quick.RatingImages, twice.RatingImages);
    }

    [Fact]
    public void The_fitted_plan_fills_the_budget_and_a_longer_budget_buys_more_steps()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        double Steps(DnaConfig c) => (double)c.RetrainRecipe.Epochs * (c.Data.MaxTrain ?? FashionMnist.Train);
        var (short_, shortScale, shortForecast) = TimePlanner.Fit(Quick, space, FashionMnist, 20 * 60, Baseline, null);
        var (long_, longScale, longForecast) = TimePlanner.Fit(Quick, space, FashionMnist, 40 * 60, Baseline, null);

        Assert.InRange(shortForecast.Values.Sum(), 0.98 * 20 * 60, 20 * 60);
        Assert.InRange(longForecast.Values.Sum(), 0.98 * 40 * 60, 40 * 60);
        Assert.True(longScale > shortScale && Steps(long_) > Steps(short_), $"scales {shortScale} and {longScale}");
        // A slower machine gets fewer steps in the same time.
        var (_, slowScale, _) = TimePlanner.Fit(Quick, space, FashionMnist, 20 * 60, Baseline with { TrainSeconds = 2 * Baseline.TrainSeconds }, null);
        Assert.True(slowScale < shortScale);
        // A second baseline is a third training inside the same budget.
        var (_, withSecond, _) = TimePlanner.Fit(Quick, space, FashionMnist, 20 * 60, Baseline, Baseline);
        Assert.True(withSecond < shortScale);
    }

    [Fact]
    public void A_self_supervised_plan_forecasts_the_stages_a_DNA_plus_plus_run_has_and_more_paths_a_step_buy_fewer_steps()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var self = Quick with { SelfSupervision = new SelfSupervisedRecipe() };
        var (config, scale, forecast) = TimePlanner.Fit(self, space, FashionMnist, 45 * 60, Baseline, null);
        // Every stage the run times apart, the report's own time counted in Other: no teacher, features or rating stage to wait for.
        var stages = DnaRun.SelfSupervisedStages.Select(s => s.Name).Where(n => n != ReportStage.StageName).Append("Other");
        Assert.Equal(stages.Order(), forecast.Keys.Order());
        Assert.InRange(forecast.Values.Sum(), 0.98 * 45 * 60, 45 * 60);
        Assert.Equal(self.SelfSupervision, config.SelfSupervision);
        // Run one after another, the baseline is a stage of its own; side by side it trains in Retrain.
        Assert.True(forecast["Baseline"] > 0);
        Assert.Equal(0, TimePlanner.Forecast(config, space, FashionMnist, Baseline, null, parallel: 2)["Baseline"]);

        // Each path is a forward and backward pass of the block per view: four cost more block steps than two.
        var (_, fourPaths, _) = TimePlanner.Fit(self with { SelfSupervision = new SelfSupervisedRecipe { Paths = 4 } }, space, FashionMnist, 45 * 60, Baseline, null);
        Assert.True(fourPaths < scale, $"scales {scale} (2 paths) and {fourPaths} (4 paths)");
    }

    [Fact]
    public void A_DNA_plus_plan_forecasts_every_generation_and_a_second_generation_leaves_fewer_steps_in_the_same_budget()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var (oneConfig, one, _) = TimePlanner.Fit(Quick, space, FashionMnist, 45 * 60, Baseline, null);
        var (config, two, forecast) = TimePlanner.Fit(Quick, space, FashionMnist, 45 * 60, Baseline, null, generations: 2, depthMultiplier: 1.5);
        // Every stage the DNA+ run times apart, its report counted in Other.
        var stages = new ProgressiveRun(Path.GetTempPath(), new ProgressiveConfig { Dna = config, Generations = 2 }).Stages
            .Select(s => s.Name).Where(n => n != ReportStage.StageName).Append("Other");
        Assert.Equal(stages.Order(), forecast.Keys.Order());
        Assert.InRange(forecast.Values.Sum(), 0.98 * 45 * 60, 45 * 60);
        Assert.True(two < one, $"scales {one} (1 generation) and {two} (2)");
        // Generation 1 trains its teacher, the baseline, and the searched network; generation 2 only its searched
        // network, its teacher being a stage of its own.
        Assert.True(forecast["Generation 2"] < forecast["Generation 1"]);
        // A deeper teacher takes longer to train.
        var deeper = TimePlanner.ForecastGenerations(config, 2, 2.0, space, FashionMnist, Baseline, null, parallel: 1);
        Assert.True(deeper["Scaled teacher 2"] > forecast["Scaled teacher 2"]);
        // One generation is DNA's own plan.
        Assert.Equal(TimePlanner.Forecast(oneConfig, space, FashionMnist, Baseline, null, 1).Values.Sum(),
            TimePlanner.ForecastGenerations(oneConfig, 1, 1.5, space, FashionMnist, Baseline, null, 1).Values.Sum(), 6);
    }

    [Fact]
    public void Side_by_side_trainings_are_forecast_from_their_own_probe_as_the_longest_or_their_even_share_of_the_jobs()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var self = Quick with { SelfSupervision = new SelfSupervisedRecipe() };
        // One job of two at 0.75x the speed of the probe at all the threads, as on a 2-core Xeon.
        var jobs = new SideBySide(new NetworkThroughput(Baseline.TrainSeconds / 0.75, Baseline.InferSeconds / 0.75), null);
        double alone = TimePlanner.Forecast(self, space, FashionMnist, Baseline, null, parallel: 1)["Retrain"];
        double assumed = TimePlanner.Forecast(self, space, FashionMnist, Baseline, null, parallel: 2)["Retrain"];
        double measured = TimePlanner.Forecast(self, space, FashionMnist, Baseline, null, parallel: 2, jobs)["Retrain"];
        // The searched network (held to the baseline's time) and the baseline at once: one training at the job's speed,
        // where an even share of the threads would make it two.
        Assert.Equal(2 * alone, assumed, 6);
        Assert.Equal(alone / 0.75, measured, 6);
        // Three trainings on two jobs: their even share.
        double three = TimePlanner.Forecast(self, space, FashionMnist, Baseline, Baseline, parallel: 2, jobs)["Retrain"];
        Assert.Equal(3 * alone / 0.75 / 2, three, 6);
    }

    [Fact]
    public void A_budget_too_short_for_the_least_plan_is_a_one_line_error_naming_the_least()
    {
        var e = Assert.Throws<ArgumentException>(() => TimePlanner.Fit(Quick, BuiltinSpaces.FmnistMbconv, FashionMnist, 30, Baseline, null));
        Assert.Contains("too short", e.Message);
        Assert.Contains("give at least", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_plan_reads_back_as_written()
    {
        var path = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.json");
        try
        {
            var (_, scale, forecast) = TimePlanner.Fit(Quick, BuiltinSpaces.FmnistMbconv, FashionMnist, 25 * 60, Baseline, Baseline, parallel: 2);
            var plan = new TimePlan
            {
                BudgetSeconds = 25 * 60, Sizes = FashionMnist, Scale = scale, PlannedStageSeconds = forecast, StartupSeconds = 1.5, ProbeSeconds = 3.5,
                Baseline = Baseline, SecondBaseline = Baseline, Threads = 2, Cpu = "AMD EPYC, 2 logical cores",
            };
            plan.Write(path);
            var read = TimePlan.Read(path);
            Assert.Equal(plan.Scale, read.Scale);
            Assert.Equal(plan.Baseline, read.Baseline);
            Assert.Equal(plan.Sizes, read.Sizes);
            Assert.Equal(plan.PlannedSeconds, read.PlannedSeconds, 9);
            Assert.Equal(forecast.OrderBy(kv => kv.Key), read.PlannedStageSeconds.OrderBy(kv => kv.Key));
            // Side by side, the second baseline trains in the Retrain stage.
            Assert.Equal(0, read.PlannedStageSeconds["Baseline"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("30m", 1800)]
    [InlineData("1h30m", 5400)]
    [InlineData("90s", 90)]
    [InlineData("2.5", 150)]
    public void Durations_read_as_hours_minutes_and_seconds(string text, double seconds) =>
        Assert.Equal(seconds, TimePlan.ParseDuration(text), 6);

    [Theory]
    [InlineData("soon")]
    [InlineData("30x")]
    [InlineData("0m")]
    [InlineData("m")]
    public void A_malformed_duration_is_refused(string text) =>
        Assert.Contains("--time-budget", Assert.Throws<ArgumentException>(() => TimePlan.ParseDuration(text)).Message);

    [Fact]
    public void A_planned_tiny_run_records_its_plan_reports_planned_beside_actual_times_and_resumes_only_with_its_budget()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"dna-budget-{Guid.NewGuid():N}");
        try
        {
            // Digits, so the least plan fits on any machine; this long a budget may meet the largest scale instead.
            string[] run = [.. DnaRunCliTests.Tiny, "--dataset", "digits", "--jobs", "1", "--out", folder];
            var (code, output, err) = CliTests.Dna([.. run, "--time-budget", "4m"]);
            Assert.True(code == 0, err);
            var plan = TimePlan.Read(Path.Combine(folder, "plan.json"));
            Assert.Equal(240, plan.BudgetSeconds);
            Assert.True(plan.Baseline.TrainSeconds > plan.Baseline.InferSeconds, "a training step must cost more than inference");
            // The plan fills the budget, unless the preset at its largest scale already fits.
            Assert.True(plan.PlannedSeconds <= 240 && (plan.Scale == TimePlanner.MaxScale || plan.PlannedSeconds >= 0.9 * 240), $"planned {plan.PlannedSeconds:F0} s at scale {plan.Scale}");

            // The run trained what the plan says: the tiny preset, sized for the digits, scaled by the plan's factor.
            var layout = new DnaRunLayout(folder, TeacherIsBaseline: true);
            var config = layout.ReadConfig();
            var tiny = (DnaConfig.Preset("tiny", config.Data with { MaxTrain = 2_000 }) with { SpaceName = config.SpaceName, MaxTrainTimeRatio = 1.0 })
                .SizedFor(plan.Sizes.Train, DnaConfig.ReferenceTrainImages("tiny"));
            Assert.Equal(JsonSerializer.Serialize(TimePlanner.Scaled(tiny, plan.Sizes, plan.Scale)), JsonSerializer.Serialize(config));
            Assert.True(config.RetrainRecipe.Epochs > tiny.RetrainRecipe.Epochs || config.Data.MaxTrain < plan.Sizes.Train || plan.Scale == 1,
                "a scale other than 1 changes the steps");
            var retrained = new TrainRun(layout.RetrainFolder).ReadResult()!;
            Assert.Equal(config.RetrainRecipe.Epochs, retrained.History.Count);

            var state = layout.ReadState();
            double actual = TimeBudgetReport.ActualSeconds(plan, state);
            var summary = File.ReadAllText(layout.SummaryPath);
            Assert.Contains("## Time budget", summary);
            Assert.Contains($"| total | {plan.PlannedSeconds / 60:F1} | {actual / 60:F1} |", summary);
            Assert.Contains($"took {actual / 60:F1} min", output);

            // Resumed with its budget, the finished run is not planned again: no new probe, the same plan.
            string planText = File.ReadAllText(Path.Combine(folder, "plan.json"));
            var (again, againOut, againErr) = CliTests.Dna([.. run, "--time-budget", "4m", "--resume"]);
            Assert.True(again == 0, againErr);
            Assert.Contains("done earlier", againOut);
            Assert.Equal(planText, File.ReadAllText(Path.Combine(folder, "plan.json")));

            var (other, _, otherErr) = CliTests.Dna([.. run, "--time-budget", "5m", "--resume"]);
            Assert.NotEqual(0, other);
            Assert.Contains("planned for --time-budget 4m", otherErr);
            var (none, _, noneErr) = CliTests.Dna([.. run, "--resume"]);
            Assert.NotEqual(0, none);
            Assert.Contains("resume it with that option", noneErr);
            var (bad, _, badErr) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--time-budget", "soon", "--out", folder + "-bad"]);
            Assert.NotEqual(0, bad);
            Assert.Contains("--time-budget \"soon\"", badErr);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }
}
