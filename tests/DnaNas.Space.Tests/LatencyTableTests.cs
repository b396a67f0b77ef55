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
}
