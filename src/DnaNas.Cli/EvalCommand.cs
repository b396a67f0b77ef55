using System.CommandLine;
using DnaNas.Data;
using DnaNas.Training;

namespace DnaNas.Cli;

/// <summary><c>dna eval</c>: evaluates a finished training run's model on a test split.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "Run folder written by dna train (holds config.json and model.bin)." };
        var dataset = new Option<string?>("--dataset") { Description = "Evaluate on another data set kind (default: the run's)." };
        var data = CommonOptions.Data();
        var maxTest = CommonOptions.MaxTest();
        var command = new Command("eval", "Evaluate a trained model on the test split of its data set (or another one with the same classes).")
        {
            run, dataset, data, maxTest,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            var folder = new TrainRun(p.GetValue(run)!);
            var config = folder.ReadConfig();
            var request = config.Data with
            {
                Kind = p.GetValue(dataset) is { } k ? Datasets.ParseKind(k) : config.Data.Kind,
                Path = p.GetValue(data) ?? config.Data.Path,
                MaxTest = p.GetValue(maxTest) ?? config.Data.MaxTest,
            };
            var splits = Datasets.Load(request);
            var (model, _) = folder.LoadModel(splits);
            using (model)
            {
                // Normalise as in training: the statistics of the data the model learned from, not of this data.
                var trained = folder.ReadResult();
                var test = Evaluator.Evaluate(model, splits.Test, trained?.Mean ?? splits.Mean, trained?.Std ?? splits.Std);
                Console.WriteLine($"{config.Architecture} on {splits.Name} test ({test.Count} images): accuracy {test.Accuracy:P2}, " +
                                  $"loss {test.Loss:F4}, {test.ImagesPerSecond:F0} img/s");
            }
            return 0;
        }));
        return command;
    }
}
