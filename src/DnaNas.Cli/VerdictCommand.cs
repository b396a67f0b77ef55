using System.CommandLine;
using DnaNas.Methods.Dna;
using DnaNas.Training;

namespace DnaNas.Cli;

/// <summary><c>dna verdict</c>: finished runs of one configuration on several seeds, the searched network paired with each baseline by seed.</summary>
internal static class VerdictCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("runs") { Description = "Finished dna run folders that differ only in --seed (at least 2).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "Where to write the verdict (default: verdict.md beside the first run)." };
        var command = new Command("verdict", "Did the search beat a plain network, over seeds: each side's mean and sd, and the paired difference with its 95% interval.")
        {
            runs, output,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            var folders = p.GetValue(runs)!;
            foreach (var f in folders)
                if (!Directory.Exists(f)) throw new ArgumentException($"{f}: no such run folder; give the --out folders of finished dna runs");
            var verdict = SeedVerdict.Of(folders);
            string md = verdict.Markdown();
            string path = p.GetValue(output) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(folders[0]))!, "verdict.md");
            AtomicFile.WriteAllText(path, md);
            Console.Write(md);
            Console.WriteLine($"written to {path}");
            return 0;
        }));
        return command;
    }
}
