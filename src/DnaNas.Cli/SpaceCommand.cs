using System.CommandLine;
using DnaNas.Space;
using Spectre.Console;

namespace DnaNas.Cli;

/// <summary><c>dna space</c>: size, per-block candidates, cost range and a random architecture of a space.</summary>
internal static class SpaceCommand
{
    public static Command Create()
    {
        var space = CommonOptions.Space();
        var seed = CommonOptions.Seed();
        var samples = new Option<int>("--samples") { Description = "Random architectures to show.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the space as JSON (a starting point for your own space file)." };
        var command = new Command("space", "Describe a search space: exact size, candidates per block, cost range, random architectures.")
        {
            space, samples, seed, json,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            var s = BuiltinSpaces.Resolve(p.GetValue(space)!);
            if (p.GetValue(json))
            {
                Console.WriteLine(SpaceFile.ToJson(s));
                return 0;
            }
            Console.WriteLine($"space {s.Name}: input {s.InputChannels}x{s.InputSize}x{s.InputSize}, {s.Classes} classes, " +
                              $"ops {string.Join(" ", s.Ops)}, squeeze-excite {(s.SqueezeExcite ? "on" : "off")}, {s.Activation.ToString().ToLowerInvariant()}");
            Console.WriteLine($"size: {s.Size():N0} architectures ({s.Size():E2})");
            var table = new Table().AddColumns("block", "stride", "width", "resolution", "layers", "depths", "candidates", "params", "MACs");
            for (int b = 0; b < s.Blocks.Count; b++)
            {
                var spec = s.Blocks[b];
                var (lo, hi) = CostModel.BlockRange(s, b);
                table.AddRow($"{b + 1}", $"{spec.Stride}", $"{spec.Channels}", $"{s.Layer(b, 0).OutSize}", $"{spec.Layers}",
                    $"{spec.MinLayers}-{spec.Layers}", $"{s.CandidateCount(b):N0}", $"{lo.Params:N0}-{hi.Params:N0}", $"{lo.Macs:N0}-{hi.Macs:N0}");
            }
            AnsiConsole.Write(table);
            var (min, max) = CostModel.SpaceRange(s);
            Console.WriteLine($"params: {min.Params:N0} to {max.Params:N0}; MACs: {min.Macs:N0} to {max.Macs:N0}");
            var rng = new Random((int)p.GetValue(seed));
            for (int i = 0; i < p.GetValue(samples); i++)
            {
                var arch = s.Sample(rng);
                var cost = CostModel.Of(s, arch);
                Console.WriteLine($"random: {arch}  ({cost.Params:N0} params, {cost.Macs:N0} MACs)");
            }
            return 0;
        }));
        return command;
    }
}
