using DnaNas.Methods.Dna;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Tests;

/// <summary>DNA on a space whose blocks search their width, end to end on the digits: a cell per width, rated, searched exactly, retrained.</summary>
[Collection(Lanes.B)]
public class WidthRunTests
{
    /// <summary>
    /// fmnist-mbconv cut to three ops, with two widths in each of the last three blocks: every block's cost depends on
    /// the width before it, and the head's on the last one, at a seventh of the built-in width space's rating work.
    /// </summary>
    private static SearchSpace SmallWidthSpace()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        int[][] widths = [[], [32, 40], [48, 64], [80, 96]];
        return (space with
        {
            Name = "test-widths",
            Ops = [new MBConvOp(3, 3), new MBConvOp(5, 3), new MBConvOp(3, 6)],
            Blocks = space.Blocks.Select((b, i) => b with { Widths = widths[i] }).ToArray(),
        }).Validate();
    }

    [Fact]
    public void Dna_rates_every_width_of_every_block_and_searches_ops_depth_and_widths_together_under_a_latency_limit()
    {
        string folder = DnaRunCliTests.TempFolder("widths");
        string spacePath = folder + "-space.json";
        try
        {
            File.WriteAllText(spacePath, SpaceFile.ToJson(SmallWidthSpace()));
            var (code, _, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--space", spacePath, "--dataset", "digits",
                "--budget-params", "200000", "--jobs", "1", "--max-train-time", "1", "--out", folder]);
            Assert.True(code == 0, err);
            var run = DnaRun.Open(folder);
            var layout = run.Layout;
            var space = layout.ReadSpace();
            Assert.True(space.SearchesWidths);
            var best = layout.ReadSearch().Best;
            var architecture = Architecture.Parse(best.Architecture, space);
            using (var store = new RatingStore(layout.RatingsPath))
            {
                double rating = 0;
                for (int b = 0; b < space.Blocks.Count; b++)
                {
                    Assert.Equal((int)space.CandidateCount(b) * space.Blocks[b].WidthChoices.Count, store.Count(b));
                    foreach (var cell in BlockCell.Of(space, b).Where(c => !c.IsReference))
                        Assert.True(File.Exists(layout.CellCheckpoint(cell)), cell.Describe(space));
                    var at = architecture.Width(b, space);
                    rating += store.Block(b, at == space.Blocks[b].Channels ? 0 : at).Single(r => r.Candidate == architecture.Blocks[b].ToString()).ScaledMae;
                }
                // The search's answer is the sum of its blocks' ratings at their widths, and costs what the model says.
                Assert.Equal(rating, best.Rating, 1e-9);
            }
            var cost = CostModel.Of(space, architecture);
            Assert.Equal(cost.Params, best.Params);
            Assert.Equal(cost.Macs, best.Macs);
            Assert.InRange(best.Params, 1, 200_000);
            // The search kept to the baseline's training time by a table that times every width: exactly, so its answer is
            // the best-rated network of the unlimited ranking that keeps to the limit.
            var outcome = layout.ReadSearch();
            var latency = LatencyTable.FromJson(File.ReadAllText(layout.LatencyPath), layout.LatencyPath);
            Assert.True(latency.SearchesWidths);
            double Micros(string a) => latency.Of(space, Architecture.Parse(a, space));
            Assert.Equal(latency.Of(space, UniformBaseline.For(space, run.Config)), outcome.MaxMicros!.Value, 6);
            Assert.Equal(Micros(best.Architecture), best.Micros!.Value, 6);
            var unlimited = DnaSearch.Run(space, layout.RatingsPath, CostKind.Params, 200_000, 3000).Top;
            Assert.Equal(unlimited.First(a => Micros(a.Architecture) <= outcome.MaxMicros).Architecture, best.Architecture);
            // A tighter limit that the unlimited best breaks, through dna search: the first of the ranking within it.
            double tighter = Math.Min(Micros(unlimited[0].Architecture) * 0.999, unlimited.Take(50).Select(a => Micros(a.Architecture)).Order().ElementAt(25));
            var expected = unlimited.First(a => Micros(a.Architecture) <= tighter);
            Assert.NotEqual(unlimited[0].Architecture, expected.Architecture);
            var (limitedCode, limitedOutput, limitedErr) = CliTests.Dna("search", folder, "--budget-params", "200000",
                "--max-latency", tighter.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--latency-table", layout.LatencyPath);
            Assert.True(limitedCode == 0, limitedErr);
            var limited = DnaSearch.Run(space, layout.RatingsPath, CostKind.Params, 200_000, 1, new LatencyLimit(latency, tighter)).Best;
            Assert.Equal(expected.Architecture, limited.Architecture);
            Assert.Contains($"1. {expected.Architecture} ", limitedOutput);
            var (spaceCode, spaceOutput, spaceErr) = CliTests.Dna("space", "--space", spacePath, "--arch", best.Architecture, "--latency-table", layout.LatencyPath);
            Assert.True(spaceCode == 0, spaceErr);
            Assert.Contains($"predicted latency: {latency.Of(space, architecture):F1} us/image", spaceOutput);

            // Widths only add choices: the best over them is at least as good as the best at the reference widths.
            var referenceOnly = DnaSearch.Run(space with { Blocks = space.Blocks.Select(b => b with { Widths = [] }).ToArray() }, layout.RatingsPath, CostKind.Params, 200_000, 1);
            Assert.True(unlimited[0].Rating <= referenceOnly.Best.Rating + 1e-12, $"{unlimited[0].Architecture} {unlimited[0].Rating} vs {referenceOnly.Best.Architecture} {referenceOnly.Best.Rating}");
            string widths = string.Join(", ", Enumerable.Range(0, space.Blocks.Count).Select(b => architecture.Width(b, space)));
            Assert.Contains($"Widths searched: block widths {widths} against the reference (the baseline's and the teacher's) 24, 40, 64, 96", File.ReadAllText(layout.SummaryPath));
            var retrained = new TrainRun(layout.RetrainFolder).ReadResult()!;
            Assert.Equal(best.Architecture, retrained.Architecture);
            Assert.Equal(best.Params, retrained.Params);

            // Another budget searches the same ratings again; a tight one must cut widths or depth to fit.
            var (searchCode, searchOutput, searchErr) = CliTests.Dna("search", folder, "--budget-params", "120000");
            Assert.True(searchCode == 0, searchErr);
            var tight = DnaSearch.Run(space, layout.RatingsPath, CostKind.Params, 120_000, 1).Best;
            Assert.Contains(tight.Architecture, searchOutput);
            Assert.InRange(tight.Params, 1, 120_000);
            Assert.True(tight.Rating >= unlimited[0].Rating);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
            File.Delete(spacePath);
        }
    }

    [Theory]
    [InlineData("--supervision", "self", "only a teacher can judge")]
    [InlineData("--generations", "2", "whose widths must be the reference ones")]
    [InlineData("--time-budget", "30m", "run it without --time-budget")]
    public void Methods_that_cannot_judge_widths_refuse_a_width_space_in_one_line(string option, string value, string expected)
    {
        var (code, _, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--space", "fmnist-mbconv-widths", "--dataset", "digits", option, value,
            "--out", DnaRunCliTests.TempFolder("widths-refused")]);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
