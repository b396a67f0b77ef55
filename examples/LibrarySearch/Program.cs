// A DNA search through the library API, as `dna run --preset tiny` does it on the command line:
//   dotnet run --project examples/LibrarySearch -- [run folder] [digits|fashion-mnist] [seed]
// It trains a teacher, distils its blocks into the supernet, rates every candidate, searches the best architecture
// under the preset's parameter budget exactly, retrains it and the baseline, and prints what it found. A stopped run
// continues where it stopped when started again with the same arguments.
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Space;
using DnaNas.Training;

string folder = args.Length > 0 ? args[0] : "runs/library-search";
var kind = Datasets.ParseKind(args.Length > 1 ? args[1] : "digits");
long seed = args.Length > 2 ? long.Parse(args[2]) : 0;

// Before anything touches torch: one thread, like `dna run --threads 1`, so the two give the same network.
TorchRuntime.Initialize(threads: 1);

// The space fixes the images' shape; the data set is read (and cached) at that shape.
var space = BuiltinSpaces.FmnistMbconv;
var request = new DatasetRequest(kind, null, space.InputSize, space.InputChannels);
var config = DnaConfig.Preset("tiny", request, seed);
var data = Datasets.Load(config.Data);
// The preset's epochs are written for its own number of training images: keep its optimisation steps on this set.
config = config.SizedFor(data.Train.Count, DnaConfig.ReferenceTrainImages("tiny"));

var run = new DnaRun(folder, config);
bool resume = File.Exists(run.Layout.StatePath);
run.Run(resume, new Progress(), loaded: data);

var searched = run.Layout.ReadSearch().Best;
var retrained = new TrainRun(run.Layout.RetrainFolder).ReadResult()!;
var baseline = new TrainRun(run.Layout.BaselineFolder).ReadResult()!;
Console.WriteLine($"searched: {searched.Architecture} ({searched.Params:N0} params, budget {config.Budget:N0})");
Console.WriteLine($"test accuracy: searched {retrained.TestAccuracy:P2}, baseline {baseline.TestAccuracy:P2} ({baseline.Architecture})");

/// <summary>The pipeline's milestones (stage ends, epochs, finished blocks) as log lines.</summary>
sealed class Progress : IProgress<PipelineEvent>
{
    public void Report(PipelineEvent e)
    {
        if (e.Milestone) Console.WriteLine($"{e.Stage}: {e.Message}");
    }
}
