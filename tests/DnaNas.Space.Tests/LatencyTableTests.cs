namespace DnaNas.Space.Tests;

public class LatencyTableTests
{
    private static readonly SearchSpace Space = BuiltinSpaces.FmnistMbconv;

    /// <summary>A table whose time of op o at block b, layer l is (b+1)*100 + (l+1)*10 + the op's index.</summary>
    private static LatencyTable Table() => new()
    {
        Space = Space.Name, Mode = LatencyMode.Training, BatchSize = 128, Threads = 2, Machine = "test", FixedMicros = 1000,
        LayerMicros = Space.Blocks.Select((block, b) => (IReadOnlyList<IReadOnlyDictionary<string, double>>)Enumerable.Range(0, block.Layers)
            .Select(l => (IReadOnlyDictionary<string, double>)Space.Ops.Where(o => !o.IsSkip)
                .ToDictionary(o => o.ToString(), o => (b + 1) * 100.0 + (l + 1) * 10 + Space.Ops.ToList().IndexOf(o)))
            .ToList()).ToList(),
    };

    [Fact]
    public void A_network_s_predicted_time_is_stem_and_head_plus_its_layers_up_to_each_block_s_first_skip()
    {
        var table = Table();
        int k3e3 = Space.Ops.ToList().IndexOf(new MBConvOp(3, 3)), k7e6 = Space.Ops.ToList().IndexOf(new MBConvOp(7, 6));
        var arch = Architecture.Parse("k3e3|skip/k7e6|k3e3|skip/k3e3/k7e6|k7e6", Space);

        double expected = 1000
            + (110 + k3e3)
            + (210 + k7e6) + (220 + k3e3)
            + (310 + k3e3)
            + (410 + k7e6) + (420 + k7e6);
        Assert.Equal(expected, table.Of(arch));
        Assert.Equal(210 + k7e6 + 220 + k3e3, table.Of(1, "k7e6|k3e3|skip"));
    }

    [Fact]
    public void A_table_survives_its_json_and_a_damaged_file_or_another_space_is_refused_with_the_fix()
    {
        var table = Table();
        var back = LatencyTable.FromJson(table.ToJson(), "latency.json");
        var arch = Architecture.Parse("k5e6|k5e6/k5e6|k5e6|k5e6/k5e6|k5e6|k5e6/k5e6|k5e6", Space);
        Assert.Equal(table.Of(arch), back.Of(arch));
        Assert.Equal(LatencyMode.Training, back.Mode);

        var damaged = Assert.Throws<SpaceException>(() => LatencyTable.FromJson("{\"space\": 3", "t.json"));
        Assert.Contains("dna bench latency --out t.json", damaged.Message);
        var other = Assert.Throws<SpaceException>(() => table.CheckFor(BuiltinSpaces.ImagenetDna));
        Assert.Contains("measured for space fmnist-mbconv, not imagenet-dna", other.Message);
        table.CheckFor(Space);
    }

    [Fact]
    public void A_fitted_correction_maps_the_table_s_sum_to_a_network_s_time_and_survives_the_json()
    {
        // Measured times on the line 30 + 0.8 x sum, with residuals that cancel: least squares recovers the line.
        double[] sums = [1000, 2000, 3000, 4000], residuals = [5, -5, -5, 5];
        var measured = sums.Select((s, i) => 30 + 0.8 * s + residuals[i]).ToArray();
        var correction = LatencyCorrection.Fit(sums, measured);
        Assert.Equal(30, correction.Intercept, 9);
        Assert.Equal(0.8, correction.Slope, 9);
        Assert.Equal(4, correction.FittedOn);

        var table = Table() with { Runtime = LatencyRuntime.OnnxRuntime, Mode = LatencyMode.Inference, Fingerprint = "cpu x", Correction = correction };
        var arch = Architecture.Parse("k3e3|skip/k7e6|k3e3|skip/k3e3/k7e6|k7e6", Space);
        Assert.Equal(Table().Of(arch), table.Sum(arch));
        Assert.Equal(30 + 0.8 * table.Sum(arch), table.Of(arch), 9);

        var back = LatencyTable.FromJson(table.ToJson(), "ort.json");
        Assert.Equal(LatencyRuntime.OnnxRuntime, back.Runtime);
        Assert.Equal("cpu x", back.Fingerprint);
        Assert.Equal(table.Of(arch), back.Of(arch), 9);
    }

    [Fact]
    public void A_table_written_before_runtimes_and_corrections_reads_as_torchsharp_s_plain_sum()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(Table().ToJson())!.AsObject();
        foreach (var key in new[] { "runtime", "fingerprint", "correction" }) json.Remove(key);
        var old = LatencyTable.FromJson(json.ToJsonString(), "old.json");
        Assert.Equal(LatencyRuntime.TorchSharp, old.Runtime);
        Assert.Null(old.Fingerprint);
        Assert.Null(old.Correction);
        var arch = Architecture.Parse("k5e6|k5e6/k5e6|k5e6|k5e6/k5e6|k5e6|k5e6/k5e6|k5e6", Space);
        Assert.Equal(old.Sum(arch), old.Of(arch));
    }

    [Fact]
    public void A_scale_is_the_median_ratio_of_measured_to_summed_time_so_one_burst_does_not_move_it()
    {
        var scale = LatencyCorrection.FitScale([100, 200, 400, 300, 500], [90, 170, 1000, 260, 440]);
        Assert.Equal(0, scale.Intercept);
        Assert.Equal(0.88, scale.Slope, 12); // ratios 0.9, 0.85, 2.5, 0.867, 0.88: the middle one
        Assert.Equal(88, scale.Apply(100), 9);
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() => LatencyCorrection.FitScale([0, 100], [5, 90])).Message);
    }

    [Fact]
    public void A_correction_refuses_too_few_or_contradicting_measurements()
    {
        Assert.Contains("at least two", Assert.Throws<ArgumentException>(() => LatencyCorrection.Fit([100], [90])).Message);
        Assert.Contains("different predicted times", Assert.Throws<ArgumentException>(() => LatencyCorrection.Fit([100, 100], [90, 95])).Message);
        var falling = Assert.Throws<ArgumentException>(() => LatencyCorrection.Fit([100, 200, 300], [300, 200, 100]));
        Assert.Contains("time again with more repeats", falling.Message);
    }
}
