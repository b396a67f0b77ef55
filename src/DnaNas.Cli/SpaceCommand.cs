using System.CommandLine;
using DnaNas.Space;
using Spectre.Console;
using DnaNas.Randomness;

namespace DnaNas.Cli;

/// <summary>
/// <c>dna space</c>: size, per-block candidates, cost range and a random architecture of a space; with
/// <c>--arch</c>, one architecture's costs per block (and its predicted latency, given a latency table).
/// </summary>
internal static class SpaceCommand
{
    public static Command Create()
    {
        var space = CommonOptions.Space();
        var seed = CommonOptions.Seed();
        var samples = new Option<int>("--samples") { Description = "Random architectures to show.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the space as JSON (a starting point for your own space file)." };
        var arch = new Option<string?>("--arch")
        {
            Description = "Instead, print this architecture's parameters and MACs per block (k3e6|k5e3|skip/..., one block per '/').",
        };
        var latencyTable = new Option<string?>("--latency-table")
        {
            Description = "With --arch: also its predicted latency per block, from a table of dna bench latency --out.",
        };
        var command = new Command("space", "Describe a search space: exact size, candidates per block, cost range, random architectures.")
        {
            space, samples, seed, json, arch, latencyTable,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            var s = BuiltinSpaces.Resolve(p.GetValue(space)!);
            if (p.GetValue(json))
            {
                Console.WriteLine(SpaceFile.ToJson(s));
                return 0;
            }
            if (p.GetValue(arch) is { } archText)
                return DescribeArchitecture(s, Architecture.Parse(archText, s), p.GetValue(latencyTable) is { } tablePath ? SearchCommand.ReadLatencyTable(tablePath, s) : null);
            if (p.GetValue(latencyTable) is not null) throw new ArgumentException("--latency-table needs --arch: give the architecture to predict");
            Console.WriteLine($"space {s.Name}: input {s.InputChannels}x{s.InputSize}x{s.InputSize}, {s.Classes} classes, " +
                              $"ops {string.Join(" ", s.Ops)}, squeeze-excite {(s.SqueezeExcite ? "on" : "off")}, {s.Activation.ToString().ToLowerInvariant()}");
            Console.WriteLine($"size: {s.Size():N0} architectures ({s.Size():E2})");
            var table = new Table().AddColumns("block", "stride", "width", "resolution", "layers", "depths", "candidates", "params", "MACs");
            for (int b = 0; b < s.Blocks.Count; b++)
            {
                var spec = s.Blocks[b];
                var (lo, hi) = CostModel.BlockRange(s, b);
                // Searched widths: the choices, the reference one (a teacher's and the baselines') in brackets.
                string width = spec.Widths.Count > 0 ? string.Join(" ", spec.Widths.Select(w => w == spec.Channels ? $"[[{w}]]" : $"{w}")) : $"{spec.Channels}";
                table.AddRow($"{b + 1}", $"{spec.Stride}", width, $"{s.Layer(b, 0).OutSize}", $"{spec.Layers}",
                    $"{spec.MinLayers}-{spec.Layers}", $"{s.CandidateCount(b) * spec.WidthChoices.Count:N0}", $"{lo.Params:N0}-{hi.Params:N0}", $"{lo.Macs:N0}-{hi.Macs:N0}");
            }
            AnsiConsole.Write(table);
            var (min, max) = CostModel.SpaceRange(s);
            Console.WriteLine($"params: {min.Params:N0} to {max.Params:N0}; MACs: {min.Macs:N0} to {max.Macs:N0}");
            var rng = StableRandom.For(p.GetValue(seed), 0x53504143); // "SPAC"
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

    /// <summary>Stem, each block's candidate and head with their analytic costs; the totals are <see cref="CostModel.Of"/>.</summary>
    private static int DescribeArchitecture(SearchSpace space, Architecture architecture, LatencyTable? latency)
    {
        var table = new Table().AddColumns("part", "candidate", "params", "MACs");
        if (latency is not null) table.AddColumn("us/image");
        void Row(string part, string candidate, Cost cost, double? micros)
        {
            var cells = new List<string> { part, candidate, $"{cost.Params:N0}", $"{cost.Macs:N0}" };
            if (latency is not null) cells.Add(micros is { } m ? $"{m:F1}" : "");
            table.AddRow(cells.ToArray());
        }
        var at = space.At(architecture); // each block at the width the architecture gives it
        // A latency table times stem and head together (one fixed part), so their time goes on a row of its own.
        Row("stem", "fixed", CostModel.Stem(at), null);
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var candidate = architecture.Blocks[b];
            Row($"block {b + 1}", Markup.Escape(architecture.BlockText(b)), CostModel.Candidate(at, b, candidate), latency?.Of(at, b, candidate));
        }
        Row("head", "fixed", CostModel.Head(at), null);
        if (latency is not null) table.AddRow("stem + head", "fixed", "", "", $"{latency.Fixed(space, at.LastBlockChannels):F1}");
        var total = CostModel.Of(space, architecture);
        Row("total", "", total, latency?.Of(space, architecture));
        Console.WriteLine($"architecture {architecture} in space {space.Name}");
        AnsiConsole.Write(table);
        Console.WriteLine($"total: {total.Params:N0} params, {total.Macs:N0} MACs");
        if (latency is not null)
            Console.WriteLine($"predicted latency: {latency.Of(space, architecture):F1} us/image ({latency.Mode.ToString().ToLowerInvariant()}, " +
                              $"batch {latency.BatchSize}, {latency.Threads} thread{(latency.Threads == 1 ? "" : "s")}, measured on {latency.Machine})");
        return 0;
    }
}
