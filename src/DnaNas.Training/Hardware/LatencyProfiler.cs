using DnaNas.Modules;
using DnaNas.Space;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Training.Hardware;

/// <summary>
/// Measures a <see cref="LatencyTable"/> on this machine: every op at every layer position of a space, alone, on a
/// random batch of its input shape, and the stem and head; the median of a few timed repeats after two warm-ups.
/// A training step is timed as forward and backward (the optimizer's step is left out: it scales with parameters,
/// which the budget already counts).
/// </summary>
public static class LatencyProfiler
{
    public const int DefaultRepeats = 5, WarmupRepeats = 2;

    public static LatencyTable Measure(SearchSpace space, LatencyMode mode, int batchSize = 128, int repeats = DefaultRepeats, IProgress<string>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        random.manual_seed(0);
        var layers = EveryLayer(space, (op, shape) =>
        {
            using var layer = OpModules.Build(op, shape, space.OpSettings);
            return Time(layer, [batchSize, shape.InChannels, shape.InSize, shape.InSize], mode, repeats, inputNeedsGrad: true);
        }, progress);
        using var stem = new Stem(space);
        var last = space.Layer(space.Blocks.Count - 1, 0);
        double stemMicros = Time(stem, [batchSize, space.InputChannels, space.InputSize, space.InputSize], mode, repeats, inputNeedsGrad: false);
        var heads = LastWidths(space).ToDictionary(w => w, w =>
        {
            using var head = new Head(space.AtBlockWidth(space.Blocks.Count - 1, w));
            return Time(head, [batchSize, w, last.OutSize, last.OutSize], mode, repeats, inputNeedsGrad: true);
        });
        var environment = RunEnvironment.Capture();
        return new LatencyTable
        {
            Space = space.Name, Mode = mode, BatchSize = batchSize, Threads = environment.TorchThreads,
            Machine = $"{environment.Cpu}, {environment.LogicalCores} logical cores", Fingerprint = MachineFingerprint.Current,
            FixedMicros = stemMicros + heads[space.LastBlockChannels], LayerMicros = layers, HeadMicros = space.SearchesWidths ? heads : null,
        };
    }

    /// <summary>The widths the last block can have, each a head to time: the reference one alone in a fixed-width space.</summary>
    public static IReadOnlyList<int> LastWidths(SearchSpace space) => space.Blocks[^1].WidthChoices;

    /// <summary>
    /// The shapes a layer position can have: one in a fixed-width space; in a space that searches widths, one per
    /// width of its block, and for a block's first layer, per width of the block before it too.
    /// </summary>
    public static IReadOnlyList<LayerShape> Shapes(SearchSpace space, int block, int layer)
    {
        if (!space.SearchesWidths) return [space.Layer(block, layer)];
        var before = block == 0 ? [space.Blocks[0].Channels] : space.Blocks[block - 1].WidthChoices;
        return space.Blocks[block].WidthChoices.SelectMany(w => before.Select(p => space.AtBlockWidth(block, w, p).Layer(block, layer))).Distinct().ToList();
    }

    /// <summary>
    /// A table's layer times, [block][layer] key (<see cref="LatencyTable.Key"/>) to microseconds per image:
    /// <paramref name="time"/> for every op (skip aside) at every shape of every layer position, one progress line a position.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<IReadOnlyDictionary<string, double>>> EveryLayer(SearchSpace space, Func<Op, LayerShape, double> time,
        IProgress<string>? progress)
    {
        var layers = new List<IReadOnlyList<IReadOnlyDictionary<string, double>>>();
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var positions = new List<IReadOnlyDictionary<string, double>>();
            for (int l = 0; l < space.Blocks[b].Layers; l++)
            {
                var times = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var shape in Shapes(space, b, l))
                    foreach (var op in space.Ops.Where(o => !o.IsSkip))
                        times[LatencyTable.Key(op, shape, space.SearchesWidths)] = time(op, shape);
                positions.Add(times);
                progress?.Report($"block {b + 1} layer {l + 1}: " + string.Join(", ", times.Take(12).Select(t => $"{t.Key} {t.Value:F1}")) +
                                 (times.Count > 12 ? $" and {times.Count - 12} more" : "") + " us/image");
            }
            layers.Add(positions);
        }
        return layers;
    }

    /// <summary>Measured microseconds per image of a whole network, the same way, to check the table's sums against.</summary>
    public static double MeasureNetwork(SearchSpace space, Architecture architecture, LatencyMode mode, int batchSize = 128, int repeats = 5)
    {
        using var net = new MBConvNet(space, architecture);
        return Time(net, [batchSize, space.InputChannels, space.InputSize, space.InputSize], mode, repeats, inputNeedsGrad: false);
    }

    /// <summary>
    /// Inference of a whole network (eval mode, no gradients) in microseconds per image: median and quartiles over
    /// <paramref name="rounds"/> rounds of at least 20 ms each, after warm-ups; the deployment-side counterpart of
    /// ONNX Runtime's timing of the exported model.
    /// </summary>
    public static TimingStats InferenceMicros(nn.Module<Tensor, Tensor> network, long[] inputShape, int rounds = 20)
    {
        bool wasTraining = network.training;
        network.eval();
        try
        {
            using var scope = NewDisposeScope();
            var x = randn(inputShape);
            void Step() { using var _ = no_grad(); network.call(x); }
            int steps = MedianTimer.StepsPerRound(Step, 0.02);
            return MedianTimer.Time(Step, WarmupRepeats, rounds, steps).Scaled(1e6 / inputShape[0]);
        }
        finally { network.train(wasTraining); }
    }

    private static double Time(nn.Module<Tensor, Tensor> module, long[] inputShape, LatencyMode mode, int repeats, bool inputNeedsGrad)
    {
        bool training = mode == LatencyMode.Training;
        if (training) module.train(); else module.eval();
        using var scope = NewDisposeScope();
        var x = randn(inputShape);
        double seconds = MedianTimer.SecondsPerStep(() =>
        {
            if (training)
            {
                // Inside a network a layer also passes gradients back to its input; the stem alone does not.
                var input = inputNeedsGrad ? x.detach().requires_grad_(true) : x;
                module.call(input).sum().backward();
            }
            else
            {
                using var _ = no_grad();
                module.call(x);
            }
        }, WarmupRepeats, repeats, untimed: () => module.zero_grad());
        return seconds / inputShape[0] * 1e6;
    }
}
