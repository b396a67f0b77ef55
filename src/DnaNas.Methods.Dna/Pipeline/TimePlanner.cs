using System.Diagnostics;
using DnaNas.Data;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Hardware;
using DnaNas.Training.Jobs;

namespace DnaNas.Methods.Dna;

/// <summary>
/// Sizes a preset to a wall-clock budget on this machine. A probe times the baseline network's training step and
/// inference (<see cref="NetworkThroughput"/>); every stage's seconds are forecast from it and the run's sizes; and the
/// preset's optimisation steps (the trainings and the block cells) and rating images are scaled by the one factor
/// that makes the forecast fill the budget. Steps scale as epochs over a subset of the training images: the epochs
/// are rounded up and the subset shrinks to give exactly the scaled steps, so the plan does not jump by a whole
/// epoch. The searched network is held to the baseline's training time by the latency table
/// (<see cref="DnaConfig.MaxTrainTimeRatio"/>), or its retraining could overrun any plan: the quick preset's searched
/// network trained 1.2x as long as its baseline.
/// </summary>
public static class TimePlanner
{
    // The forecast's constants: what a stage costs per unit of what the probe times, fitted on a 12-minute planned
    // quick run at 2 threads against its own probe on a 2-core AMD EPYC (reports/time-budget, with the script);
    // the first fit, from a 1-thread quick run, put that run at 1.07x its budget (Rating and the latency table were low).

    /// <summary>A real training epoch's seconds per image (augmentation, batching, the learning-rate schedule) over the probe's training step.</summary>
    public const double TrainingOverhead = 1.10;
    /// <summary>Training all block cells for an epoch, per feature image, in probe training-images of the baseline network.</summary>
    public const double BlockCost = 1.24;
    /// <summary>Rating one candidate on one image (one layer's pass, the prefix before it shared), in probe inference-images of the baseline over its layer count.</summary>
    public const double RatingCost = 2.21;
    /// <summary>Timing the latency table (every op at every layer position), per op, repeat and image, in probe training-images.</summary>
    public const double LatencyCost = 1.44;
    /// <summary>
    /// DNA++: one block step per path and view (online forward and backward, target forward, the fixed front),
    /// per training image and path, in probe training-images of the baseline network. Fitted on a 45-minute planned
    /// DNA++ quick run at 2 threads on an idle 2-core Intel Xeon with AMX, against its own probe (reports/time-budget):
    /// its blocks trained for 725 s, per the block checkpoints' times. The 1-thread quick run beside a ground-truth
    /// training (reports/dnapp-quick) gave 4.00.
    /// </summary>
    public const double SelfBlockCost = 3.55;
    /// <summary>DNA++: rating one candidate or one ensemble path on one image, as <see cref="RatingCost"/>; fitted on the same run's 123 s of rating (the 1-thread run: 1.68).</summary>
    public const double SelfRatingCost = 1.32;
    /// <summary>Starting job processes, loading the data in them, writing the report: seconds, whatever the scale.</summary>
    public const double FixedSeconds = 5;

    /// <summary>The fewest training and feature images a plan keeps, and the fewest rating images.</summary>
    public const int MinTrainImages = 1_000, MinRatingImages = 256;
    /// <summary>Past this many times the preset's steps a longer budget is left unused: more epochs than that is not the preset any more.</summary>
    public const double MaxScale = 4;

    /// <summary>The preset's configuration with its steps and rating images scaled by <paramref name="scale"/>.</summary>
    public static DnaConfig Scaled(DnaConfig preset, RunSizes sizes, double scale)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        int trainImages = preset.Data.MaxTrain is { } max ? Math.Min(max, sizes.Train) : sizes.Train;
        int keptTrain = Steps(preset.RetrainRecipe.Epochs, trainImages, scale, MinTrainImages).Images;
        TrainRecipe Recipe(TrainRecipe r)
        {
            int epochs = Steps(r.Epochs, trainImages, scale, MinTrainImages).Epochs;
            // Warm-up stays the preset's share of the training when the epochs shrink.
            return r with { Epochs = epochs, WarmupEpochs = Math.Min(r.WarmupEpochs, r.WarmupEpochs * epochs / r.Epochs) };
        }
        // Feature images come out of the kept training images, but their steps scale once, from the preset's.
        int features = Math.Min(preset.FeatureImages, trainImages);
        var (blockEpochs, keptFeatures) = Steps(preset.BlockRecipe.Epochs, features, scale, Math.Min(features, MinTrainImages));
        keptFeatures = Math.Min(keptFeatures, keptTrain);
        int rating = Math.Min(sizes.Validation, scale >= 1 ? preset.RatingImages : Math.Max(MinRatingImages, (int)Math.Round(preset.RatingImages * scale)));
        return preset with
        {
            Data = keptTrain < trainImages ? preset.Data with { MaxTrain = keptTrain } : preset.Data,
            RetrainRecipe = Recipe(preset.RetrainRecipe),
            TeacherRecipe = preset.TeacherRecipe is { } t ? Recipe(t) : null,
            BlockRecipe = preset.BlockRecipe with { Epochs = blockEpochs },
            FeatureImages = keptFeatures,
            RatingImages = Math.Min(preset.RatingImages, rating),
        };
    }

    /// <summary>
    /// Under the preset's steps, epochs rounded up and the images that give <paramref name="scale"/> times the steps
    /// of <paramref name="epochs"/> over <paramref name="images"/>; past them, whole epochs over every image (more
    /// time never means fewer images), at most <see cref="ScheduleScaling.MaxEpochs"/> unless the preset has more.
    /// </summary>
    private static (int Epochs, int Images) Steps(int epochs, int images, double scale, int minImages)
    {
        double wanted = epochs * scale;
        if (scale >= 1) return (Math.Clamp((int)Math.Floor(wanted + 1e-9), epochs, Math.Max(ScheduleScaling.MaxEpochs, epochs)), images);
        int scaledEpochs = Math.Max(1, (int)Math.Ceiling(wanted - 1e-9));
        int kept = (int)Math.Round(images * wanted / scaledEpochs);
        return (scaledEpochs, Math.Clamp(kept, Math.Min(images, minImages), images));
    }

    /// <summary>
    /// Seconds each stage of a run with <paramref name="config"/> is expected to take on the machine the throughputs
    /// were measured on, plus "Other" (<see cref="FixedSeconds"/>).
    /// </summary>
    /// <param name="parallel">Trainings at once (--jobs): above 1, the retrainings run side by side in the Retrain stage.</param>
    /// <param name="sideBySide">What one of those trainings does at its share of the threads; null assumes the threads share out evenly.</param>
    public static IReadOnlyDictionary<string, double> Forecast(DnaConfig config, SearchSpace space, RunSizes sizes,
        NetworkThroughput baseline, NetworkThroughput? secondBaseline, int parallel, SideBySide? sideBySide = null)
    {
        int train = TrainImages(config, sizes);
        double Training(NetworkThroughput t, TrainRecipe r) => TrainingSeconds(t, r, train, sizes);
        double baselineTraining = Training(baseline, config.RetrainRecipe);
        // A teacher of another architecture (a study's variant) is timed as the baseline: the probe knows only that one.
        double teacher = config.TeacherRun is not null ? 0
            : config.TeacherIsBaseline ? baselineTraining
            : Training(baseline, TeacherStage.TeacherRecipe(config));
        int features = Math.Min(config.FeatureImages, train), rating = Math.Min(config.RatingImages, sizes.Validation);
        double candidates = Enumerable.Range(0, space.Blocks.Count).Sum(b => (double)space.CandidateCount(b));
        int layers = space.Blocks.Sum(b => b.Layers);
        int calibration = config.CalibrationBatches * config.CalibrationBatchSize;
        double searchedRatio = config.MaxTrainTimeRatio ?? UnlimitedSearchedRatio;
        // The run's retrainings at these throughputs: the searched network first, then the baselines it trains.
        double[] Retrainings(NetworkThroughput uniform, NetworkThroughput? second) =>
        [
            searchedRatio * Training(uniform, config.RetrainRecipe),
            .. config.TeacherIsBaseline ? Array.Empty<double>() : [Training(uniform, config.RetrainRecipe)],
            .. second is null ? Array.Empty<double>() : [Training(second, config.RetrainRecipe)],
        ];
        var retrainings = Retrainings(baseline, secondBaseline);
        double searched = retrainings[0], baselines = retrainings.Skip(1).Sum();
        bool together = parallel > 1 && baselines > 0;
        double retrain = !together ? searched
            // Side by side, each job has a share of the threads where the probe had them all: assumed, about the same wall time as one after another.
            : sideBySide is null ? searched + baselines
            // Measured: the slowest job, or the even share of the trainings over the jobs when there are more trainings than jobs.
            : SideBySideSeconds(parallel, Retrainings(sideBySide.Baseline, secondBaseline is null ? null : sideBySide.SecondBaseline ?? sideBySide.Baseline));
        // The latency table (SearchStage) times each op at every position over its warm-ups and repeats.
        double latency = config.MaxTrainTimeRatio is null ? 0
            : (space.Ops.Count(o => !o.IsSkip) * (LatencyProfiler.DefaultRepeats + LatencyProfiler.WarmupRepeats) * config.RetrainRecipe.BatchSize) * baseline.TrainSeconds * LatencyCost;
        if (config.SelfSupervision is { } self)
        {
            // DNA++ has no teacher (the baseline is a training of its own) and no feature cache: its one block stage
            // trains and rates each block in turn.
            double training = self.Paths * config.BlockRecipe.Epochs * features * baseline.TrainSeconds * SelfBlockCost;
            double rated = (candidates + self.RatingPaths * space.Blocks.Count) * (rating + calibration) * baseline.InferSeconds / layers * SelfRatingCost;
            return new Dictionary<string, double>
            {
                ["Other"] = FixedSeconds,
                [BlockStage.StageName] = training + rated,
                ["Search"] = latency,
                ["Retrain"] = retrain,
                ["Baseline"] = together ? 0 : baselines,
            };
        }
        return new Dictionary<string, double>
        {
            ["Other"] = FixedSeconds,
            ["Teacher"] = teacher,
            ["Features"] = (features + rating) * baseline.InferSeconds,
            ["Blocks"] = config.BlockRecipe.Epochs * features * baseline.TrainSeconds * BlockCost,
            ["Rating"] = candidates * (rating + calibration) * baseline.InferSeconds / layers * RatingCost,
            ["Search"] = latency,
            ["Retrain"] = retrain,
            ["Baseline"] = together ? 0 : baselines,
        };
    }

    /// <summary>Trainings of these seconds each, on <paramref name="parallel"/> jobs at once: the longest, or their even share of the jobs.</summary>
    private static double SideBySideSeconds(int parallel, IReadOnlyList<double> trainings) =>
        Math.Max(trainings.Max(), trainings.Sum() / Math.Min(parallel, trainings.Count));

    /// <summary>
    /// Seconds of each stage of a DNA+ run (<see cref="ProgressiveRun"/>) of <paramref name="generations"/> generations
    /// with <paramref name="config"/>, plus "Other": generation 1 is a DNA run; each later generation trains its
    /// scaled teacher, the previous searched network <paramref name="depthMultiplier"/> times deeper, so timed as that
    /// network's training that many times over, and then runs DNA with it: its features pass the deeper teacher, and
    /// it retrains only its searched network, the baselines being generation 1's.
    /// </summary>
    public static IReadOnlyDictionary<string, double> ForecastGenerations(DnaConfig config, int generations, double depthMultiplier, SearchSpace space, RunSizes sizes,
        NetworkThroughput baseline, NetworkThroughput? secondBaseline, int parallel, SideBySide? sideBySide = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(generations, 1);
        var first = Forecast(config, space, sizes, baseline, secondBaseline, parallel, sideBySide);
        var stages = new Dictionary<string, double> { ["Other"] = generations * FixedSeconds, [new GenerationStage(1).Name] = first.Values.Sum() - FixedSeconds };
        // One job: a later generation's Retrain stage has only the searched network to train.
        var later = Forecast(config with { TeacherRun = "the scaled teacher" }, space, sizes, baseline, null, parallel: 1);
        double searched = (config.MaxTrainTimeRatio ?? UnlimitedSearchedRatio) * TrainingSeconds(baseline, TeacherStage.TeacherRecipe(config), TrainImages(config, sizes), sizes);
        for (int g = 2; g <= generations; g++)
        {
            stages[new ScaledTeacherStage(g).Name] = depthMultiplier * searched;
            stages[new GenerationStage(g).Name] = depthMultiplier * later["Features"] + later["Blocks"] + later["Rating"] + later["Search"] + later["Retrain"];
        }
        return stages;
    }

    /// <summary>A run's forecast: DNA's, or DNA+'s over <paramref name="generations"/> generations.</summary>
    private static IReadOnlyDictionary<string, double> ForecastRun(DnaConfig config, int generations, double depthMultiplier, SearchSpace space, RunSizes sizes,
        NetworkThroughput baseline, NetworkThroughput? secondBaseline, int parallel, SideBySide? sideBySide) =>
        generations == 1 ? Forecast(config, space, sizes, baseline, secondBaseline, parallel, sideBySide)
            : ForecastGenerations(config, generations, depthMultiplier, space, sizes, baseline, secondBaseline, parallel, sideBySide);

    /// <summary>Unlimited, the searched network may train slower than the baseline it is compared with (7x7 ops).</summary>
    private const double UnlimitedSearchedRatio = 1.2;

    private static int TrainImages(DnaConfig config, RunSizes sizes) => config.Data.MaxTrain is { } max ? Math.Min(max, sizes.Train) : sizes.Train;

    /// <summary>One training with <paramref name="recipe"/> on <paramref name="train"/> images, its validation passes and its test.</summary>
    private static double TrainingSeconds(NetworkThroughput t, TrainRecipe recipe, int train, RunSizes sizes)
    {
        bool both = recipe.TrainOnValidation;
        double epoch = (train + (both ? sizes.Validation : 0)) * t.TrainSeconds * TrainingOverhead + (both ? 0 : sizes.Validation * t.InferSeconds);
        return recipe.Epochs * epoch + sizes.Test * t.InferSeconds;
    }

    /// <summary>
    /// The largest scale of <paramref name="preset"/> (at most <see cref="MaxScale"/>) whose forecast fits in
    /// <paramref name="seconds"/>; a one-line error when even the least plan does not.
    /// </summary>
    /// <param name="probeSeconds">What the probe took of the budget already, for the error message.</param>
    /// <param name="generations">DNA+'s generations (<see cref="ForecastGenerations"/>), every one scaled alike; 1 is DNA.</param>
    public static (DnaConfig Config, double Scale, IReadOnlyDictionary<string, double> Forecast) Fit(DnaConfig preset, SearchSpace space, RunSizes sizes,
        double seconds, NetworkThroughput baseline, NetworkThroughput? secondBaseline, int parallel = 1, double probeSeconds = 0,
        int generations = 1, double depthMultiplier = ProgressiveConfig.DefaultDepthMultiplier, SideBySide? sideBySide = null)
    {
        IReadOnlyDictionary<string, double> Plan(DnaConfig config) => ForecastRun(config, generations, depthMultiplier, space, sizes, baseline, secondBaseline, parallel, sideBySide);
        double Total(double scale) => Plan(Scaled(preset, sizes, scale)).Values.Sum();
        const double least = 1e-4;
        if (Total(least) > seconds)
            throw new ArgumentException($"--time-budget {(seconds + probeSeconds) / 60:F1} min is too short for this run on this machine: the least plan (one epoch on " +
                                        $"{Math.Min(MinTrainImages, sizes.Train)} images) is forecast at {(Total(least) + probeSeconds) / 60:F1} min; give at least that");
        double low = least, high = MaxScale;
        if (Total(high) <= seconds) low = high;
        // The forecast only grows with the scale (steps and images only grow), so bisection finds the fit.
        for (int i = 0; i < 50 && high - low > 1e-4; i++)
        {
            double mid = (low + high) / 2;
            if (Total(mid) <= seconds) low = mid; else high = mid;
        }
        var config = Scaled(preset, sizes, low);
        return (config, low, Plan(config));
    }

    /// <summary>
    /// The run's plan: measured and fitted now, or read back when a planned run resumes. A resumed run is scaled by
    /// its recorded factor, not refitted, so this machine's speed today changes nothing; a flag changed since then
    /// changes the configuration, and the run's fingerprint check refuses it.
    /// </summary>
    /// <param name="generations">A DNA+ run's generations, planned as one (its folder holds plan.json); 1 is DNA.</param>
    public static (DnaConfig Config, TimePlan Plan) PlanRun(DnaRunLayout layout, DnaConfig preset, SearchSpace space, RunSizes sizes,
        double budgetSeconds, bool resume, int parallel, int generations = 1, double depthMultiplier = ProgressiveConfig.DefaultDepthMultiplier)
    {
        if (resume && File.Exists(layout.PlanPath) && File.Exists(layout.StatePath))
        {
            var planned = TimePlan.Read(layout.PlanPath);
            if (Math.Abs(planned.BudgetSeconds - budgetSeconds) > 0.5)
                throw new TrainingException($"{layout.Folder} was planned for --time-budget {planned.BudgetSeconds / 60:0.#}m; resume it with that budget or start another --out");
            return (Scaled(preset, sizes, planned.Scale), planned);
        }
        if (File.Exists(layout.StatePath))
            throw new TrainingException(resume
                ? $"{layout.Folder} was started without --time-budget; resume it without --time-budget"
                : $"{layout.Folder} already holds a DNA run; pass --resume to continue it or choose another --out");
        double startup = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
        var clock = Stopwatch.StartNew();
        var uniform = UniformBaseline.For(space, preset);
        var baseline = NetworkThroughput.Measure(space, uniform, preset.RetrainRecipe);
        var mobileNet = MobileNetBaseline.For(space, preset);
        var second = mobileNet is null ? null : NetworkThroughput.Measure(space, mobileNet, preset.RetrainRecipe);
        // Trainings side by side are timed side by side: on a 2-core Xeon, a 1-thread training beside another ran at
        // 0.82x the 2-thread probe's speed, not the 0.5x an even share of the threads would give.
        int threadsEach = LocalProcessJobs.ThreadsPerJob(TorchRuntime.Threads, parallel);
        SideBySide? sideBySide = parallel > 1
            ? new SideBySide(NetworkThroughput.MeasureSideBySide(space, uniform, preset.RetrainRecipe, parallel, threadsEach),
                mobileNet is null ? null : NetworkThroughput.MeasureSideBySide(space, mobileNet, preset.RetrainRecipe, parallel, threadsEach))
            : null;
        double probe = clock.Elapsed.TotalSeconds;
        var (config, scale, forecast) = Fit(preset, space, sizes, budgetSeconds - startup - probe, baseline, second, parallel, startup + probe, generations, depthMultiplier, sideBySide);
        var environment = RunEnvironment.Capture();
        var plan = new TimePlan
        {
            BudgetSeconds = budgetSeconds, Sizes = sizes, Scale = scale, PlannedStageSeconds = forecast, StartupSeconds = startup, ProbeSeconds = probe,
            Baseline = baseline, SecondBaseline = second, SideBySide = sideBySide, Threads = environment.TorchThreads, Cpu = $"{environment.Cpu}, {environment.LogicalCores} logical cores",
        };
        Directory.CreateDirectory(layout.Folder);
        plan.Write(layout.PlanPath);
        return (config, plan);
    }
}
