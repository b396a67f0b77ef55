using System.CommandLine;
using System.Diagnostics;
using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Cli;

/// <summary>
/// <c>dna bench</c>: training and inference images/s of a fixed architecture on random inputs, with the thread count.
/// A benchmark, not a test: numbers depend on the machine and its load.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var space = CommonOptions.Space();
        var arch = new Option<string?>("--arch") { Description = "Architecture (default: the space's default architecture)." };
        var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Timed steps (after 3 warm-up steps).", DefaultValueFactory = _ => 20 };
        var threads = CommonOptions.Threads();
        var command = new Command("bench", "Measure training and inference images/s of a fixed architecture on this machine.")
        {
            space, arch, batch, steps, threads,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            var s = BuiltinSpaces.Resolve(p.GetValue(space)!);
            var a = p.GetValue(arch) is { } text ? Architecture.Parse(text, s) : BuiltinSpaces.DefaultArchitecture(s);
            int b = p.GetValue(batch), n = p.GetValue(steps);
            random.manual_seed(0);
            using var model = new MBConvNet(s, a);
            using var optimizer = Optimizers.Create(model, new TrainRecipe());
            using var x = randn(b, s.InputChannels, s.InputSize, s.InputSize);
            using var y = randint(0, s.Classes, b, dtype: int64);

            double train = Measure(n, b, () =>
            {
                model.train();
                model.zero_grad();
                nn.functional.cross_entropy(model.call(x), y).backward();
                optimizer.step();
            });
            double infer = Measure(n, b, () =>
            {
                model.eval();
                using var _ = no_grad();
                model.call(x);
            });
            var cost = CostModel.Of(s, a);
            Console.WriteLine($"architecture {a} ({cost.Params:N0} params, {cost.Macs:N0} MACs), batch {b}, {n} steps");
            Console.WriteLine($"threads {TorchRuntime.Threads} (cores {Environment.ProcessorCount}), OMP_WAIT_POLICY {Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "PASSIVE (set by dna)"}");
            Console.WriteLine($"train {train:F0} img/s | inference {infer:F0} img/s");
            return 0;
        }));
        return command;
    }

    private static double Measure(int steps, int batch, Action step)
    {
        for (int i = 0; i < 3; i++) { using var warm = NewDisposeScope(); step(); }
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) { using var scope = NewDisposeScope(); step(); }
        return steps * batch / clock.Elapsed.TotalSeconds;
    }
}
