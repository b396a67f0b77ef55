using System.CommandLine;
using DnaNas.Data;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Cli;

/// <summary><c>dna train</c>: trains one architecture stand-alone and reports its test accuracy.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var space = CommonOptions.SpaceOrDerived();
        var arch = new Option<string?>("--arch")
        {
            Description = "Architecture string, e.g. k3e6|skip/k5e3|k5e3|skip/... (default: the space's default architecture).",
        };
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var maxTrain = CommonOptions.MaxTrain();
        var maxValidation = CommonOptions.MaxValidation();
        var maxTest = CommonOptions.MaxTest();
        var seed = CommonOptions.Seed();
        var splitSeed = CommonOptions.SplitSeed();
        var threads = CommonOptions.Threads();
        var epochs = new Option<int?>("--epochs")
        {
            Description = $"Training epochs (default: the steps of {new TrainRecipe().Epochs} epochs on Fashion-MNIST's 50,000 images, as epochs of this data, at most {ScheduleScaling.MaxEpochs}).",
        };
        var batch = new Option<int?>("--batch-size")
        {
            Description = $"Images per step (default {new TrainRecipe().BatchSize}; on a set too small for {ScheduleScaling.MinStepsPerEpoch} such steps an epoch, " +
                          $"a smaller power of two, at least {ScheduleScaling.MinBatchSize}, with the default learning rate scaled to match).",
        };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "sgd (Nesterov momentum) or adamw.", DefaultValueFactory = _ => OptimizerKind.Sgd };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate (default 0.1 for sgd, 0.004 for adamw)." };
        var wd = new Option<double?>("--weight-decay") { Description = "Weight decay on conv and linear weights (default 5e-5 for sgd, 0.05 for adamw)." };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing of the cross-entropy.", DefaultValueFactory = _ => 0.1 };
        var warmup = new Option<double>("--warmup") { Description = "Warm-up epochs (linear), before the cosine decay.", DefaultValueFactory = _ => 1 };
        var noAugment = new Option<bool>("--no-augment") { Description = "Turn off random crop and horizontal flip." };
        var noFlip = new Option<bool>("--no-flip") { Description = "Keep random crop, turn off horizontal flip (for digits and text)." };
        var output = new Option<string?>("--out") { Description = "Run folder (default: runs/train-<space>-<fingerprint>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in the run folder from its last finished epoch." };

        var command = new Command("train", "Train one architecture of a space stand-alone and report its test accuracy.")
        {
            space, arch, dataset, data, epochs, batch, optimizer, lr, wd, smoothing, warmup, noAugment, noFlip,
            maxTrain, maxValidation, maxTest, seed, splitSeed, threads, output, resume,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            var kind = Datasets.ParseKind(p.GetValue(dataset)!);
            var choice = SpaceChoice.Choose(p.GetValue(space), kind, p.GetValue(data), Path.Combine("runs", "spaces"));
            var spaceDef = choice.Space;
            var archText = p.GetValue(arch) ?? BuiltinSpaces.DefaultArchitecture(spaceDef).ToString();
            Architecture.Parse(archText, spaceDef); // fail on a bad string before loading data
            var optimizerKind = p.GetValue(optimizer);
            var recipe = new TrainRecipe
            {
                Epochs = p.GetValue(epochs) is { } e ? Positive(e, "--epochs") : new TrainRecipe().Epochs,
                BatchSize = p.GetValue(batch) is { } b ? Positive(b, "--batch-size") : new TrainRecipe().BatchSize,
                Optimizer = optimizerKind,
                LearningRate = p.GetValue(lr) ?? TrainRecipe.DefaultLearningRate(optimizerKind),
                WeightDecay = p.GetValue(wd) ?? TrainRecipe.DefaultWeightDecay(optimizerKind),
                LabelSmoothing = p.GetValue(smoothing),
                WarmupEpochs = p.GetValue(warmup),
                Augment = p.GetValue(noAugment) ? null : new AugmentOptions(PadCrop: 2, HorizontalFlip: !p.GetValue(noFlip)),
            };
            var request = CommonOptions.DataRequest(p, dataset, data, spaceDef, maxTrain, maxValidation, maxTest, splitSeed);
            Console.WriteLine($"loading {Datasets.KindName(request.Kind)} ...");
            var splits = Datasets.Load(request);
            // A subset asked for with --max-train is a quick look: its schedule stays the default's. What the user set stays as set.
            if (request.MaxTrain is null)
            {
                var sized = ScheduleScaling.Sized(recipe, ScheduleScaling.ReferenceTrainImages, splits.Train.Count);
                bool batchSized = p.GetValue(batch) is null;
                recipe = recipe with
                {
                    Epochs = p.GetValue(epochs) is null ? sized.Epochs : recipe.Epochs,
                    BatchSize = batchSized ? sized.BatchSize : recipe.BatchSize,
                    LearningRate = batchSized && p.GetValue(lr) is null ? sized.LearningRate : recipe.LearningRate,
                };
            }
            var config = new TrainRunConfig(choice.SpaceName, archText, request, recipe, p.GetValue(seed));
            var run = new TrainRun(p.GetValue(output) ?? Path.Combine("runs", $"train-{spaceDef.Name}-{config.Fingerprint()}"));

            Console.WriteLine($"data: {splits.Name}, {splits.Train.Count} train / {splits.Validation.Count} validation / {splits.Test.Count} test images, " +
                              $"{splits.Train.ClassCount} classes, {splits.Train.Channels}x{splits.Train.Height}x{splits.Train.Width}");
            var cost = CostModel.Of(TrainRun.SpaceFor(config.SpaceName, splits), Architecture.Parse(archText, spaceDef));
            Console.WriteLine($"architecture {archText}: {cost.Params:N0} params, {cost.Macs:N0} MACs; run folder {run.Folder}");

            if (p.GetValue(resume) && File.Exists(run.CheckpointPath))
                Console.WriteLine($"resuming after epoch {Checkpoint.ReadState(run.CheckpointPath).CompletedEpochs}");
            Console.WriteLine($"{recipe.Epochs} epochs of {splits.Train.Count:N0} images, batch {recipe.BatchSize}, learning rate {recipe.LearningRate:G3}");
            var result = TrainingDisplay.Run("train", progress => run.Run(config, splits, p.GetValue(resume), progress, cancel: CommonOptions.Cancellation));
            Console.WriteLine($"test accuracy {result.TestAccuracy:P2} (balanced {result.BalancedAccuracy:P2}, loss {result.TestLoss:F4}) | {result.Params:N0} params | " +
                              $"{result.Macs:N0} MACs | {result.WallSeconds:F0} s | seed {result.Seed} | {run.ResultPath}");
            if (result.TestClasses?.MajorityWarning("trained", result.TestAccuracy) is { } warning) Console.WriteLine(warning);
            return 0;
        }));
        return command;
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentException($"{name} must be positive, got {value}");
}
