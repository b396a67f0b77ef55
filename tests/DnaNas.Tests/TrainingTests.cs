using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using TorchSharp;

namespace DnaNas.Tests;

[Collection(Lanes.A)]
public class TrainingTests
{
    private const string SmallArch = "k3e3/k3e3/k3e3/k3e3";

    private static DatasetSplits SmallFashionMnist() =>
        Datasets.Load(new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1) { MaxTrain = 1024, MaxTest = 512 }) is var d
            ? d with { Validation = d.Validation.Take(512) }
            : throw new InvalidOperationException();

    private static TrainRunConfig Config(int epochs) => new(
        "fmnist-mbconv", SmallArch, new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1) { MaxTrain = 1024, MaxTest = 512 },
        new TrainRecipe { Epochs = epochs, BatchSize = 64 }, Seed: 7);

    private static string TempFolder() => Path.Combine(Path.GetTempPath(), $"dna-test-{Guid.NewGuid():N}");

    [Fact]
    public void A_run_stopped_after_epoch_two_and_resumed_ends_exactly_like_an_uninterrupted_run()
    {
        using var exclusive = GlobalTorchGenerator.Exclusive();
        var data = SmallFashionMnist();
        string whole = TempFolder(), split = TempFolder();
        try
        {
            var full = new TrainRun(whole).Run(Config(3), data, resume: false);
            var partial = new TrainRun(split).Run(Config(3), data, resume: false, stopAfterEpoch: 2);
            Assert.Equal(2, partial.Epochs);
            Assert.True(double.IsNaN(partial.TestAccuracy));
            var resumed = new TrainRun(split).Run(Config(3), data, resume: true);
            Assert.Equal(3, resumed.Epochs);
            Assert.Equal(full.History.Select(h => h.TrainLoss), resumed.History.Select(h => h.TrainLoss));
            Assert.Equal(full.TestAccuracy, resumed.TestAccuracy);
            Assert.True(full.TestAccuracy > 0.5, $"3 epochs on 1024 images should beat chance clearly, got {full.TestAccuracy}");
        }
        finally
        {
            if (Directory.Exists(whole)) Directory.Delete(whole, true);
            if (Directory.Exists(split)) Directory.Delete(split, true);
        }
    }

    [Fact]
    public async Task A_training_waits_while_another_process_holds_its_folder_and_two_never_train_one_folder()
    {
        var data = SmallFashionMnist();
        string folder = TempFolder();
        try
        {
            var run = new TrainRun(folder);
            Task<TrainRunResult> second;
            using (var held = Training.Jobs.JobLease.Take(run.LeasePath, "test", TimeSpan.Zero))
            {
                // Another process sees the lock too (flock(1) takes the same kind of lock .NET does).
                using (var probe = System.Diagnostics.Process.Start("flock", ["--nonblock", run.LeasePath, "true"]))
                {
                    probe.WaitForExit();
                    Assert.Equal(1, probe.ExitCode);
                }
                var refused = Assert.Throws<TrainingException>(() => Training.Jobs.JobLease.Take(run.LeasePath, "The training in " + folder, TimeSpan.FromMilliseconds(300)));
                Assert.Contains("is being trained by another process", refused.Message);
                Assert.Contains("before resuming", refused.Message);

                // A resume while the lease is held waits: it reads no checkpoint and writes nothing.
                second = Task.Run(() => new TrainRun(folder).Run(Config(1), data, resume: true));
                await Task.Delay(TimeSpan.FromSeconds(2));
                Assert.False(second.IsCompleted);
                Assert.False(File.Exists(run.CheckpointPath));
                Assert.False(File.Exists(run.ConfigPath));
            }
            var result = await second.WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(1, result.Epochs);
            // Once trained and let go, the folder is free for the next holder.
            using var next = Training.Jobs.JobLease.Take(run.LeasePath, "test", TimeSpan.Zero);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Resuming_a_folder_trained_with_another_configuration_is_refused()
    {
        var data = SmallFashionMnist();
        var folder = TempFolder();
        try
        {
            new TrainRun(folder).Run(Config(2), data, resume: false, stopAfterEpoch: 1);
            var e = Assert.Throws<TrainingException>(() => new TrainRun(folder).Run(Config(3), data, resume: true));
            Assert.Contains("another configuration", e.Message);
            var again = Assert.Throws<TrainingException>(() => new TrainRun(folder).Run(Config(2), data, resume: false));
            Assert.Contains("--resume", again.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void Editing_a_space_file_changes_the_run_fingerprint_so_resume_refuses_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dna-space-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, SpaceFile.ToJson(BuiltinSpaces.FmnistMbconv with { Name = "mine" }));
            var config = Config(2) with { SpaceName = path };
            string before = config.Fingerprint();
            Assert.Equal(before, config.Fingerprint());
            File.WriteAllText(path, SpaceFile.ToJson(BuiltinSpaces.FmnistMbconv with { Name = "mine", Head = new HeadSpec(128, 0.1) }));
            Assert.NotEqual(before, config.Fingerprint());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Live_tensors_and_resident_memory_stay_flat_over_five_epochs()
    {
        var data = SmallFashionMnist();
        var space = BuiltinSpaces.FmnistMbconv;
        torch.random.manual_seed(3);
        using var model = new MBConvNet(space, Architecture.Parse(SmallArch, space));
        var state = new Trainer(new TrainRecipe { Epochs = 5, BatchSize = 64 }, seed: 3).Train(model, data, "memory");
        var first = state.History[0];
        var last = state.History[^1];
        Assert.Equal(first.LiveTensors, last.LiveTensors);
        // Growth is what a leak looks like; resident memory may shrink after epoch 1 as start-up garbage is returned.
        Assert.True(last.ResidentBytes <= 1.1 * first.ResidentBytes, $"epoch 1: {first.ResidentBytes:N0} B, epoch 5: {last.ResidentBytes:N0} B");
    }

    [Fact]
    public void The_learning_rate_warms_up_linearly_then_decays_to_zero_by_cosine()
    {
        var schedule = new LearningRateSchedule(0.1, warmupSteps: 10, totalSteps: 110);
        Assert.Equal(0.01, schedule.At(0), 10);
        Assert.Equal(0.1, schedule.At(9), 10);
        Assert.Equal(0.05, schedule.At(60), 10);
        Assert.True(schedule.At(109) < 0.001);
    }

    [Fact]
    public void Weight_decay_skips_norm_parameters_and_biases()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        using var model = new MBConvNet(space, BuiltinSpaces.DefaultArchitecture(space));
        using var optimizer = Optimizers.Create(model, new TrainRecipe());
        var groups = optimizer.ParamGroups.Cast<TorchSharp.Modules.SGD.ParamGroup>().ToList();
        Assert.Equal(2, groups.Count);
        Assert.All(groups[0].Parameters, p => Assert.True(p.dim() > 1));
        Assert.All(groups[1].Parameters, p => Assert.Equal(1, p.dim()));
        Assert.Equal(0, groups[1].Options.weight_decay);
        Assert.True(groups[0].Options.weight_decay > 0);
        Assert.Equal(model.parameters().Count(), groups.Sum(g => g.Parameters.Count()));
    }

    [Fact]
    public void A_torn_checkpoint_gives_an_error_that_says_how_to_recover()
    {
        var folder = TempFolder();
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "checkpoint.bin");
            File.WriteAllBytes(path, [1, 2, 3]);
            var e = Assert.Throws<TrainingException>(() => Checkpoint.ReadState(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("delete it", e.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void Soft_targets_pull_the_student_toward_the_teacher_rather_than_the_labels()
    {
        // The teacher learns shifted labels (class c -> c+1): a student trained on the true labels disagrees with it,
        // a student trained only on its soft targets must learn the shift.
        var data = SmallFashionMnist();
        var train = data.Train;
        var shifted = data with { Train = new ImageSet(train.Pixels, train.Labels.Select(l => (l + 1) % train.ClassCount).ToArray(),
            train.Channels, train.Height, train.Width, train.ClassNames) };
        var space = BuiltinSpaces.FmnistMbconv;
        var arch = Architecture.Parse(SmallArch, space);
        torch.random.manual_seed(11);
        using var teacher = new MBConvNet(space, arch);
        new Trainer(new TrainRecipe { Epochs = 3, BatchSize = 64 }, seed: 11).Train(teacher, shifted, "teacher");
        double Agreement(double weight)
        {
            torch.random.manual_seed(12);
            using var student = new MBConvNet(space, arch);
            new Trainer(new TrainRecipe { Epochs = 3, BatchSize = 64, DistillationWeight = weight, Temperature = 2 }, seed: 12)
                .Train(student, data, $"kd-{weight}", teacher: teacher);
            student.eval();
            teacher.eval();
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var (x, _) = new BatchLoader(data.Test, 512, data.Mean, data.Std, shuffle: false, augment: null, seed: 0).Epoch(0).First();
            return student.call(x).argmax(1).eq(teacher.call(x).argmax(1)).to_type(torch.ScalarType.Float32).mean().item<float>();
        }
        double labels = Agreement(0), soft = Agreement(1);
        Assert.True(soft > labels + 0.2, $"agreement with the teacher: soft targets {soft:P0}, labels {labels:P0}");
    }
    [Fact]
    public void A_recipe_that_trains_on_validation_takes_its_images_into_every_epoch_and_reports_no_validation_accuracy()
    {
        var full = SmallFashionMnist();
        var data = full with { Train = full.Train.Take(256), Validation = full.Validation.Take(128) };
        var space = BuiltinSpaces.FmnistMbconv;
        int Steps(bool trainOnValidation, out EpochRecord last)
        {
            torch.random.manual_seed(5);
            using var model = new MBConvNet(space, Architecture.Parse(SmallArch, space));
            int steps = 0;
            var state = new Trainer(new TrainRecipe { Epochs = 1, BatchSize = 64, TrainOnValidation = trainOnValidation }, seed: 5)
                .Train(model, data, "merged", progress: new Reporter<TrainProgress>(p => steps = p.Steps));
            last = state.History[^1];
            return steps;
        }

        Assert.Equal(4, Steps(false, out var separate));
        Assert.Equal(6, Steps(true, out var merged));
        Assert.False(double.IsNaN(separate.ValidationAccuracy));
        Assert.StartsWith(" | validation ", separate.ValidationSuffix());
        Assert.True(double.IsNaN(merged.ValidationAccuracy));
        Assert.Equal("", merged.ValidationSuffix());
    }

    [Fact]
    public void Training_on_validation_is_left_out_of_a_recipe_s_json_unless_chosen_so_older_fingerprints_hold()
    {
        string Json(TrainRecipe r) => System.Text.Json.JsonSerializer.Serialize(r, JsonOptions.Compact);
        Assert.DoesNotContain("trainOnValidation", Json(new TrainRecipe()));
        Assert.Contains("\"trainOnValidation\":true", Json(new TrainRecipe { TrainOnValidation = true }));
        var back = System.Text.Json.JsonSerializer.Deserialize<TrainRecipe>(Json(new TrainRecipe { TrainOnValidation = true }), JsonOptions.Compact)!;
        Assert.True(back.TrainOnValidation);
    }
}
