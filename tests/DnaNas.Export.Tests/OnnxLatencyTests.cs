using DnaNas.Export.Latency;
using DnaNas.Modules;
using DnaNas.Randomness;
using DnaNas.Space;
using DnaNas.Training.Hardware;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Export.Tests;

/// <summary>
/// The parts of the ONNX Runtime latency predictor that are not timing (timing goals live in dna bench latency): the
/// one-layer models it times compute their layers, and the correction's fit and its held-out check.
/// </summary>
public class OnnxLatencyTests
{
    public static TheoryData<string> Spaces => ["fmnist-mbconv", "fmnist-vit"];

    /// <summary>
    /// Every op at the first and last layer of every block, the stem and the head, each written alone as the profiler
    /// times it (batch norm folded, statistics moved off their initial values), gives the TorchSharp module's output.
    /// </summary>
    [Theory]
    [MemberData(nameof(Spaces))]
    public void Every_model_the_profiler_times_computes_its_part_of_the_network(string spaceName)
    {
        var space = BuiltinSpaces.Resolve(spaceName);
        random.manual_seed(3);
        for (int b = 0; b < space.Blocks.Count; b++)
            foreach (int l in new[] { 0, space.Blocks[b].Layers - 1 }.Distinct())
            {
                var shape = space.Layer(b, l);
                foreach (var op in space.Ops.Where(o => !o.IsSkip))
                {
                    using var layer = OpModules.Build(op, shape, space.OpSettings);
                    Settle(layer, [8, shape.InChannels, shape.InSize, shape.InSize]);
                    AssertSame(layer, OnnxLatencyProfiler.LayerModel(layer, space, op, shape), [4, shape.InChannels, shape.InSize, shape.InSize], $"{op} at block {b + 1} layer {l + 1}");
                }
            }
        using var stem = new Stem(space);
        Settle(stem, [8, space.InputChannels, space.InputSize, space.InputSize]);
        AssertSame(stem, OnnxLatencyProfiler.StemModel(stem, space), [4, space.InputChannels, space.InputSize, space.InputSize], "stem");
        var last = space.Layer(space.Blocks.Count - 1, 0);
        using var head = new Head(space);
        Settle(head, [8, space.LastBlockChannels, last.OutSize, last.OutSize]);
        AssertSame(head, OnnxLatencyProfiler.HeadModel(head, space), [4, space.LastBlockChannels, last.OutSize, last.OutSize], "head");
    }

    [Fact]
    public void The_correction_is_fitted_on_its_own_networks_and_judged_on_others()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var (fitOn, heldOut) = LatencyPredictor.Networks(space, 6, 12, seed: 5);
        Assert.Equal(6, fitOn.Count);
        Assert.Equal(12, heldOut.Count);
        Assert.Empty(fitOn.Select(a => a.ToString()).Intersect(heldOut.Select(a => a.ToString())));
        Assert.Equal(18, fitOn.Concat(heldOut).Select(a => a.ToString()).Distinct().Count());
        var again = LatencyPredictor.Networks(space, 6, 12, seed: 5);
        Assert.Equal(heldOut.Select(a => a.ToString()), again.HeldOut.Select(a => a.ToString()));
        Assert.NotEqual(heldOut.Select(a => a.ToString()), LatencyPredictor.Networks(space, 6, 12, seed: 6).HeldOut.Select(a => a.ToString()));

        // A runtime whose networks take 0.8 of the table's sum, one fitting network measured in a burst of other work
        // (three times as long), the others half a percent either way: the scale, a median, ignores the burst, the
        // held-out networks it never saw are then off by nothing, and the plain sum by a quarter.
        var table = Table(space);
        var fitNames = fitOn.Select(a => a.ToString()).ToList();
        double Measure(Architecture a)
        {
            double exact = 0.8 * table.Sum(a);
            int i = fitNames.IndexOf(a.ToString());
            return i < 0 ? exact : i == 0 ? 3 * exact : exact * (i % 2 == 0 ? 0.995 : 1.005);
        }
        var check = LatencyPredictor.FitAndCheck(space, table, fitOn, heldOut, all => all.Select(Measure).ToList());
        var correction = Assert.IsType<LatencyCorrection>(check.Table.Correction);
        Assert.Equal(6, correction.FittedOn);
        Assert.Equal(0, correction.Intercept);
        Assert.InRange(correction.Slope, 0.795, 0.805);
        Assert.True(check.HeldOutMedianApe < 1, $"held-out median error {check.HeldOutMedianApe:F2}%");
        Assert.Equal(25, check.HeldOutSumMedianApe, 6);
        // Each time belongs to its own network: the fitting ones first, then the held-out ones, in order.
        Assert.Equal(fitOn.Concat(heldOut).Select(Measure), check.Fitted.Concat(check.HeldOut).Select(t => t.Measured));
        Assert.Equal(heldOut.Select(a => a.ToString()), check.HeldOut.Select(t => t.Architecture));
        Assert.Equal(1.0, check.HeldOutSpearman, 9);

        // A runtime with a fixed cost a network pays once: a line (--line) finds it where the burst is absent.
        double WithFixedCost(Architecture a) => 40 + 0.75 * table.Sum(a);
        var lined = LatencyPredictor.FitAndCheck(space, table, fitOn, heldOut, all => all.Select(WithFixedCost).ToList(), line: true);
        Assert.Equal(40, lined.Table.Correction!.Intercept, 6);
        Assert.Equal(0.75, lined.Table.Correction.Slope, 9);
        Assert.True(lined.HeldOutMedianApe < 1e-6);
    }

    /// <summary>
    /// A table filled by the profilers' own walk over layer shapes, with each op's MACs for its time, predicts every
    /// network's MACs exactly: in a space that searches widths the walk reaches every shape a network has (a block's
    /// first layer after each width of the block before, the head after each last width), and a network's sum reads
    /// the entries of its own widths.
    /// </summary>
    [Theory]
    [InlineData("fmnist-mbconv-widths")]
    [InlineData("fmnist-vit-widths")]
    [InlineData("fmnist-mbconv")]
    public void A_table_of_every_width_predicts_each_network_at_its_own_widths(string spaceName)
    {
        var space = BuiltinSpaces.Resolve(spaceName);
        var layers = LatencyProfiler.EveryLayer(space, (op, shape) => op.Family.Cost(op, shape, space.OpSettings).Macs, progress: null);
        var heads = LatencyProfiler.LastWidths(space).ToDictionary(w => w, w => (double)CostModel.Head(space.AtBlockWidth(space.Blocks.Count - 1, w)).Macs);
        var table = new LatencyTable
        {
            Space = space.Name, Mode = LatencyMode.Inference, BatchSize = 1, Threads = 1, Machine = "test",
            FixedMicros = CostModel.Stem(space).Macs + heads[space.LastBlockChannels], LayerMicros = layers, HeadMicros = space.SearchesWidths ? heads : null,
        };
        table.CheckFor(space);
        var rng = StableRandom.For(7, 1);
        int offReference = 0;
        for (int i = 0; i < 200; i++)
        {
            var architecture = space.Sample(rng);
            Assert.Equal(CostModel.Of(space, architecture).Macs, table.Sum(space, architecture));
            if (Enumerable.Range(0, space.Blocks.Count).Any(b => architecture.Width(b, space) != space.Blocks[b].Channels)) offReference++;
        }
        Assert.Equal(space.SearchesWidths, offReference > 100);
        if (space.SearchesWidths)
        {
            var ex = Assert.Throws<SpaceException>(() => (table with { HeadMicros = null }).CheckFor(space));
            Assert.Contains("times the reference widths only", ex.Message);
        }
    }

    [Fact]
    public void Timing_statistics_are_the_median_and_interpolated_quartiles_of_the_rounds()
    {
        var stats = TimingStats.Of([10, 11, 12, 14, 20]);
        Assert.Equal(12, stats.Median);
        Assert.Equal(11, stats.LowerQuartile);
        Assert.Equal(14, stats.UpperQuartile);
        Assert.Equal(0.25, stats.RelativeSpread, 12);
        var even = TimingStats.Of([1, 2, 3, 4]).Scaled(10);
        Assert.Equal(25, even.Median, 12);
        Assert.Equal(17.5, even.LowerQuartile, 12);
        Assert.Equal(32.5, even.UpperQuartile, 12);
        Assert.Equal(4, even.Rounds);
    }

    /// <summary>Moves batch-norm statistics off their initial values with a few training-mode passes.</summary>
    private static void Settle(nn.Module<Tensor, Tensor> module, long[] shape)
    {
        module.train();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < 3; i++) module.call(randn(shape) * 2 + 0.5);
        module.eval();
    }

    private static void AssertSame(nn.Module<Tensor, Tensor> module, byte[] model, long[] shape, string what)
    {
        using var scope = NewDisposeScope();
        var x = randn(shape);
        float[] expected;
        using (no_grad()) expected = module.call(x).contiguous().data<float>().ToArray();
        using var session = new InferenceSession(model);
        using var input = OrtValue.CreateTensorValueFromMemory(x.data<float>().ToArray(), shape);
        using var outputs = session.Run(new RunOptions(), [session.InputNames[0]], [input], [session.OutputNames[0]]);
        var actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        double diff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(diff <= 1e-4, $"{what}: ONNX Runtime differs from TorchSharp by up to {diff:G3}");
    }

    /// <summary>A table whose layers take 10 us per kernel size unit and 4 per expansion unit, 30 us for stem and head.</summary>
    private static LatencyTable Table(SearchSpace space) => new()
    {
        Space = space.Name, Mode = LatencyMode.Inference, Runtime = LatencyRuntime.OnnxRuntime, BatchSize = 1, Threads = 1, Machine = "test",
        FixedMicros = 30,
        LayerMicros = space.Blocks.Select((block, b) => (IReadOnlyList<IReadOnlyDictionary<string, double>>)Enumerable.Range(0, block.Layers)
            .Select(l => (IReadOnlyDictionary<string, double>)space.Ops.Where(o => !o.IsSkip).Cast<MBConvOp>()
                .ToDictionary(o => o.ToString(), o => 10.0 * o.Kernel + 4.0 * o.Expansion + b))
            .ToList()).ToList(),
    };
}
