using DnaNas.Studies;

namespace DnaNas.Tests;

/// <summary>A tiny ranking study, run once by the real <c>dna study</c> for the tests below.</summary>
public sealed class TinyStudy : IDisposable
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"dna-study-{Guid.NewGuid():N}");
    public string Output { get; }

    public TinyStudy()
    {
        var (code, output, err) = CliTests.Dna("study", "--preset", "tiny", "--threads", "1", "--out", Folder);
        Assert.True(code == 0, err);
        Output = output;
    }

    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, true);
    }
}

public class StudyCliTests(TinyStudy study) : IClassFixture<TinyStudy>
{
    [Fact]
    public void A_study_scores_every_ground_truth_architecture_by_every_source_and_writes_the_report_with_plots()
    {
        foreach (var stage in RankingStudy.Stages.Select(s => s.Name)) Assert.Contains($"== {stage}", study.Output);
        using (var scores = new ScoreStore(Path.Combine(study.Folder, "scores.db")))
        {
            Assert.Equal(new[] { "dna", "macs", "params", "spos", "spos+shifting" }, scores.Sources());
            foreach (var source in scores.Sources()) Assert.Equal(4, scores.Get(source).Count);
        }
        string report = File.ReadAllText(Path.Combine(study.Folder, "report.md"));
        Assert.Contains("| DNA (summed block ratings) |", report);
        Assert.Contains("| SPOS + Supernet Shifting |", report);
        Assert.Contains("**DNA vs SPOS (global order):**", report);
        Assert.Contains("Shifting took", report);
        foreach (var png in new[] { "scatter-dna.png", "scatter-spos.png", "scatter-spos-shifting.png", "probes.png", "searches.png" })
            Assert.True(new FileInfo(Path.Combine(study.Folder, "plots", png)).Length > 1000, png);

        // A finished study resumes to the same report without redoing a stage.
        var (code, output, err) = CliTests.Dna("study", "--preset", "tiny", "--threads", "1", "--out", study.Folder, "--resume");
        Assert.True(code == 0, err);
        Assert.Equal(RankingStudy.Stages.Count, output.Split('\n').Count(l => l.Contains("done earlier")));
    }

    [Fact]
    public void Rank_adds_a_users_own_scores_as_a_source_and_refuses_a_malformed_file()
    {
        string csv = Path.Combine(study.Folder, "mine.csv");
        IReadOnlyList<DnaNas.Studies.GroundTruthEntry> archs;
        using (var store = new DnaNas.Studies.GroundTruthStore(Path.Combine(study.Folder, "ground-truth", "ground-truth.db"))) archs = store.All();
        File.WriteAllLines(csv, ["architecture,score", .. archs.Select(a => $"{a.Architecture},{a.TestAccuracy}")]);
        var (code, output, err) = CliTests.Dna("rank", study.Folder, "--scores", csv);
        Assert.True(code == 0, err);
        Assert.Contains("mine", output);
        // Scoring by the truth itself must rank perfectly.
        var mine = output.Split('\n').First(l => l.Contains("mine"));
        Assert.Contains("1.000", mine);

        // Rank alone leaves the study as it was; --save stores the source.
        using (var scores = new ScoreStore(Path.Combine(study.Folder, "scores.db"))) Assert.DoesNotContain("mine", scores.Sources());

        // Another valid spelling of every architecture (upper case, "id" for skip, spaces) matches the same ground truth.
        string spelled = Path.Combine(study.Folder, "spelled.csv");
        File.WriteAllLines(spelled, archs.Select(a => $"{a.Architecture.ToUpperInvariant().Replace("SKIP", "id").Replace("/", " / ")},{a.TestAccuracy}"));
        (code, output, err) = CliTests.Dna("rank", study.Folder, "--scores", spelled, "--save");
        Assert.True(code == 0, err);
        Assert.Contains("1.000", output.Split('\n').First(l => l.Contains("spelled")));
        using (var scores = new ScoreStore(Path.Combine(study.Folder, "scores.db")))
            Assert.Equal(archs.Count, scores.Get("spelled").Count);

        // A user source may not take a built-in source's name.
        (code, _, err) = CliTests.Dna("rank", study.Folder, "--scores", $"dna={csv}");
        Assert.Equal(1, code);
        Assert.Contains("\"dna\" is already a rating source", err);

        File.WriteAllLines(csv, ["k3e3/k3e3/k3e3/k3e3;0.5"]);
        var (badCode, _, badErr) = CliTests.Dna("rank", study.Folder, "--scores", csv);
        Assert.Equal(1, badCode);
        Assert.Contains("line 1: expected architecture,score", badErr);
    }

    [Fact]
    public void Transfer_adapts_the_study_supernet_to_digits_and_reports_both_accuracies()
    {
        string folder = Path.Combine(study.Folder, "transfer");
        var (code, output, err) = CliTests.Dna("transfer", "--study", study.Folder, "--threads", "1", "--population", "4", "--generations", "2",
            "--scratch-epochs", "1", "--out", folder);
        Assert.True(code == 0, err);
        Assert.Contains("adapted supernet", output);
        var result = System.Text.Json.JsonSerializer.Deserialize<TransferResult>(File.ReadAllText(Path.Combine(folder, "transfer.json")),
            DnaNas.Training.JsonOptions.Compact)!;
        Assert.InRange(result.SupernetTestAccuracy, 0, 1);
        Assert.InRange(result.ScratchTestAccuracy, 0, 1);
        Assert.True(result.Params <= 250_000);
        Assert.Equal(result.Evaluated * 5, result.ShiftSteps); // 5 steps per rated candidate
        Assert.InRange(result.Evaluated, 5, 8);
        Assert.Contains("trained from scratch (test)", File.ReadAllText(Path.Combine(folder, "report.md")));
    }
}
