using System.CommandLine;
using System.Diagnostics;
using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Search;
using DnaNas.Training;
using DnaNas.Search.Ranking;
using DnaNas.Training.Hardware;
using DnaNas.Methods.Dna;
using TorchSharp;
using static TorchSharp.torch;
using DnaNas.Randomness;

namespace DnaNas.Cli;

/// <summary>
/// <c>dna bench</c>: benchmarks, not tests; numbers depend on the machine and its load, so each prints ratios
/// measured in one run where it compares two ways of doing the same work.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: train (images/s, default), search (paper-scale exact search), rating (prefix walk vs naive), latency (per-op table, TorchSharp or ONNX Runtime, and its predictor's error), inference (a trained network on ONNX Runtime and TorchSharp).");
        var training = Training();
        foreach (var option in training.Options) bench.Options.Add(option);
        bench.Action = training.Action;
        bench.Subcommands.Add(training);
        bench.Subcommands.Add(Search());
        bench.Subcommands.Add(Rating());
        bench.Subcommands.Add(LatencyBenchCommand.Latency());
        bench.Subcommands.Add(LatencyBenchCommand.Inference());
        return bench;
    }

    private static Command Search()
    {
        var seed = CommonOptions.Seed();
        var command = new Command("search", "Exact constrained search on a synthetic instance of the imagenet-dna scale (1.5e15 architectures).") { seed };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            Console.WriteLine(SearchBenchmark.RunPaperScale((int)p.GetValue(seed)));
            return 0;
        }));
        return command;
    }

    private static Command Rating()
    {
        var subtrees = new Option<int>("--subtrees") { Description = "First-layer ops to cover (each is 1+6+36+216 candidates of the 4-layer block).", DefaultValueFactory = _ => 1 };
        var images = new Option<int>("--images") { Description = "Validation images per candidate.", DefaultValueFactory = _ => 256 };
        var command = new Command("rating", "Rate candidates of a 4-layer block by the prefix-sharing walk and naively, and compare time and ratings.") { subtrees, images };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            // fmnist-mbconv's second block made 4 layers deep, random weights and inputs: timing and equality only.
            var baseSpace = BuiltinSpaces.FmnistMbconv;
            var space = baseSpace with { Blocks = [baseSpace.Blocks[0], baseSpace.Blocks[1] with { Layers = 4 }, .. baseSpace.Blocks.Skip(2)] };
            random.manual_seed(0);
            using var cell = new BlockSupernet(space, 1);
            using var scope = NewDisposeScope();
            var (cin, size) = space.BlockInput(1);
            var output = space.Layer(1, 0);
            int n = p.GetValue(images);
            var data = new RatingData(
                [randn(64, cin, size, size), randn(64, cin, size, size)],
                [randn(n, cin, size, size)],
                [randn(n, output.OutChannels, output.OutSize, output.OutSize)]);
            var rater = new BlockRater(cell, data, BlockObjectives.Resolve(null));
            int covered = Math.Clamp(p.GetValue(subtrees), 1, space.Ops.Count);
            var walked = new List<CandidateRating>();
            var clock = Stopwatch.StartNew();
            rater.RateAll(op => op >= covered, (_, r) => walked.AddRange(r));
            double walk = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var naive = rater.RateNaively(walked.Select(r => r.Candidate));
            double scratch = clock.Elapsed.TotalSeconds;
            double maxDiff = walked.Zip(naive).Max(x => Math.Max(Math.Abs(x.First.Mse - x.Second.Mse), Math.Abs(x.First.ScaledMae - x.Second.ScaledMae)));
            long layerPasses = walked.Count, naivePasses = walked.Sum(r => r.Candidate.Depth);
            Console.WriteLine($"4-layer block, {walked.Count} candidates, {n} validation images, threads {TorchRuntime.Threads}");
            Console.WriteLine($"prefix walk: {walk:F1} s ({layerPasses} layer passes) | naive: {scratch:F1} s ({naivePasses} layer passes) | " +
                              $"speed-up {scratch / walk:F2}x | largest rating difference {maxDiff:E1}");
            return 0;
        }));
        return command;
    }

    private static Command Training()
    {
        var space = CommonOptions.Space();
        var arch = new Option<string?>("--arch") { Description = "Architecture (default: the space's default architecture)." };
        var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Timed steps, in 5 rounds whose median counts (after 3 warm-up steps).", DefaultValueFactory = _ => 20 };
        var threads = CommonOptions.Threads();
        var command = new Command("train", "Measure training and inference images/s of a fixed architecture on this machine.")
        {
            space, arch, batch, steps, threads,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            var s = BuiltinSpaces.Resolve(p.GetValue(space)!);
            var a = p.GetValue(arch) is { } text ? Architecture.Parse(text, s) : BuiltinSpaces.DefaultArchitecture(s);
            int b = p.GetValue(batch), n = p.GetValue(steps);
            var throughput = NetworkThroughput.Measure(s, a, new TrainRecipe { BatchSize = b }, n);
            double train = 1 / throughput.TrainSeconds, infer = 1 / throughput.InferSeconds;
            var cost = CostModel.Of(s, a);
            Console.WriteLine($"architecture {a} ({cost.Params:N0} params, {cost.Macs:N0} MACs), batch {b}, {n} steps");
            Console.WriteLine($"threads {TorchRuntime.Threads} (cores {Environment.ProcessorCount}), OMP_WAIT_POLICY {TorchRuntime.WaitPolicy}");
            Console.WriteLine($"train {train:F0} img/s | inference {infer:F0} img/s");
            return 0;
        }));
        return command;
    }
}
