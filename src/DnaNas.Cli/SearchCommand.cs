using System.CommandLine;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Dna;

namespace DnaNas.Cli;

/// <summary><c>dna search</c>: the best architectures of a rated run under a new budget, without retraining anything.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "Run folder of dna run (holds ratings.db)." };
        var budgetParams = CommonOptions.BudgetParams();
        var budgetMacs = CommonOptions.BudgetMacs();
        var top = new Option<int>("--top") { Description = "How many architectures to list, best first.", DefaultValueFactory = _ => 5 };
        var command = new Command("search", "Find the architecture with the lowest sum of block ratings under a budget, exactly, from a run's ratings.")
        {
            run, budgetParams, budgetMacs, top,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            var budget = CommonOptions.ReadBudget(p, budgetParams, budgetMacs)
                         ?? throw new ArgumentException("give a budget: --budget-params N or --budget-macs N");
            var folder = p.GetValue(run)!;
            var spacePath = Path.Combine(folder, "space.json");
            if (!File.Exists(spacePath)) throw new TrainingException($"{folder} is not a dna run folder (no space.json); give the folder dna run wrote");
            var space = SpaceFile.Load(spacePath);
            var outcome = DnaSearch.Run(space, Path.Combine(folder, "ratings.db"), budget.Kind, budget.Limit, Math.Max(1, p.GetValue(top)));
            Console.WriteLine($"budget {outcome.Budget}: {outcome.Top.Count} best of {space.Size():N0} architectures in {outcome.Seconds * 1000:F0} ms");
            for (int i = 0; i < outcome.Top.Count; i++)
            {
                var a = outcome.Top[i];
                Console.WriteLine($"{i + 1,3}. {a.Architecture}  rating {a.Rating:F4}  {a.Params:N0} params  {a.Macs:N0} MACs");
            }
            return 0;
        }));
        return command;
    }
}
