using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

/// <summary>How far one candidate's block outputs are from the targets on the rating images (lower is better).</summary>
/// <param name="Mse">Mean squared error.</param>
/// <param name="RelativeMse">MSE / var(T): scale-free, comparable across blocks.</param>
/// <param name="ScaledMae">The score the search sums: for distillation mean |S - T| / std(T) (DNA, Sec. 3.3).</param>
public readonly record struct BlockScore(double Mse, double RelativeMse, double ScaledMae);

/// <summary>
/// What a block cell learns to reproduce and how a candidate is scored against it: the DNA family's plug point.
/// Distillation (DNA) reproduces the teacher's block output; a self-supervised objective (DNA++) would reproduce a
/// momentum target's. The targets come with the cached features; the objective supplies the loss and the score.
/// </summary>
public interface IBlockObjective
{
    /// <summary>The name a configuration gives (<see cref="DnaConfig.Objective"/>).</summary>
    string Name { get; }

    /// <summary>What ratings.db records as its metric.</summary>
    string Metric { get; }

    /// <summary>The training loss of a cell's output against its target, for one batch.</summary>
    Tensor Loss(Tensor output, Tensor target);

    /// <summary>
    /// A scorer for the rating batches' targets: it gets each candidate's outputs on those batches. Built once per
    /// block, so what depends only on the targets (their spread) is computed once.
    /// </summary>
    Func<IReadOnlyList<Tensor>, BlockScore> ScorerFor(IReadOnlyList<Tensor> targets);
}

/// <summary>The block objectives a run can name, filled in one place.</summary>
public static class BlockObjectives
{
    public const string Default = DistillationObjective.ObjectiveName;

    private static readonly Dictionary<string, IBlockObjective> ByName = new(StringComparer.Ordinal)
    {
        [DistillationObjective.ObjectiveName] = new DistillationObjective(),
    };

    public static void Register(IBlockObjective objective)
    {
        lock (ByName)
        {
            if (ByName.ContainsKey(objective.Name)) throw new ArgumentException($"block objective \"{objective.Name}\" is registered twice");
            ByName[objective.Name] = objective;
        }
    }

    /// <summary>The named objective; null names the default, distillation.</summary>
    public static IBlockObjective Resolve(string? name)
    {
        lock (ByName)
            return ByName.TryGetValue(name ?? Default, out var objective) ? objective
                : throw new ArgumentException($"unknown block objective \"{name}\": use {string.Join(", ", ByName.Keys.Order(StringComparer.Ordinal))}");
    }
}

/// <summary>
/// DNA's objective (Li et al. 2020, Sec. 3.2-3.3): a cell learns the teacher's block output by MSE, and a candidate
/// is scored by mean |S - T| / std(T) over the rating images, which makes blocks of different scales comparable.
/// </summary>
public sealed class DistillationObjective : IBlockObjective
{
    public const string ObjectiveName = "distillation";
    public string Name => ObjectiveName;
    public string Metric => "scaled_mae";

    public Tensor Loss(Tensor output, Tensor target) => nn.functional.mse_loss(output, target);

    public Func<IReadOnlyList<Tensor>, BlockScore> ScorerFor(IReadOnlyList<Tensor> targets)
    {
        var (variance, std) = Spread(targets);
        return outputs =>
        {
            double squared = 0, absolute = 0;
            long count = 0;
            for (int i = 0; i < outputs.Count; i++)
            {
                using var s = NewDisposeScope();
                var diff = outputs[i] - targets[i];
                squared += diff.square().sum().to_type(ScalarType.Float64).item<double>();
                absolute += diff.abs().sum().to_type(ScalarType.Float64).item<double>();
                count += diff.numel();
            }
            double mse = squared / count;
            return new BlockScore(mse, mse / variance, absolute / count / std);
        };
    }

    /// <summary>The targets' variance and standard deviation over every element, in double precision.</summary>
    private static (double Variance, double Std) Spread(IReadOnlyList<Tensor> targets)
    {
        double sum = 0, sumSquares = 0;
        long count = 0;
        foreach (var t in targets)
        {
            using var s = NewDisposeScope();
            var d = t.to_type(ScalarType.Float64);
            sum += d.sum().item<double>();
            sumSquares += d.square().sum().item<double>();
            count += t.numel();
        }
        double mean = sum / count;
        double variance = Math.Max(1e-12, sumSquares / count - mean * mean);
        return (variance, Math.Sqrt(variance));
    }
}
