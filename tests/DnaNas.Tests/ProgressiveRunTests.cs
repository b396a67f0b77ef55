using DnaNas.Methods.Dna;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Tests;

/// <summary>DNA+ (<c>dna run --generations</c>): the depth scaling of its teachers, and a two-generation run killed and resumed.</summary>
[Collection(TinyReferenceRun.Collection)]
public class ProgressiveRunTests(TinyReferenceRun reference)
{
    private static readonly SearchSpace Space = BuiltinSpaces.FmnistMbconv;

    [Fact]
    public void A_deepened_architecture_repeats_each_layer_in_place_and_its_space_lines_up_block_for_block()
    {
        var deep = DepthScaling.Deepen(Space, 1.5);
        Assert.Equal(Space.Blocks.Select(b => (int)Math.Ceiling(b.Layers * 1.5)), deep.Blocks.Select(b => b.Layers));
        Assert.Null(DepthScaling.Mismatch(deep, Space));

        var arch = Architecture.Parse("k7e6|k3e3/k5e3|skip|skip/k3e6|k5e6|k7e3/k3e3|skip", Space);
        var deeper = DepthScaling.Deepen(arch, Space, 1.5);
        Assert.Equal("k7e6|k7e6|k3e3/k5e3|k5e3|skip|skip|skip/k3e6|k3e6|k5e6|k5e6|k7e3/k3e3|k3e3|skip", deeper.ToString());
        Assert.Equal(deeper, Architecture.Parse(deeper.ToString(), deep)); // a valid architecture of the deepened space
        Assert.True(CostModel.Of(deep, deeper).Params > CostModel.Of(Space, arch).Params);
        // Multiplier 1 changes nothing.
        Assert.Equal(arch, DepthScaling.Deepen(arch, Space, 1.0));

        var narrower = Space with { Blocks = [Space.Blocks[0], Space.Blocks[1] with { Channels = Space.Blocks[1].Channels / 2 }, .. Space.Blocks.Skip(2)] };
        Assert.Contains("block 2", DepthScaling.Mismatch(narrower, Space));
        Assert.Throws<SpaceException>(() => DepthScaling.Deepen(Space, 0.5));
    }

    [Fact]
    public void Two_generations_reuse_dnas_own_run_as_the_first_and_resume_a_killed_second_inside_its_blocks()
    {
        string folder = DnaRunCliTests.TempFolder("dnaplus");
        try
        {
            // Generation 1 is DNA's run with DNA's configuration: the reference run's folder serves as it is.
            var layout = new ProgressiveLayout(folder);
            CopyFolder(reference.Folder, layout.GenerationFolder(1));
            var referenceSearch = DnaRun.Open(reference.Folder).Layout.ReadSearch();
            var ratingsCopied = File.GetLastWriteTimeUtc(Path.Combine(layout.GenerationFolder(1), "ratings.db"));

            DnaRunCliTests.RunAndKillAt(folder, resume: false, line => line.Contains("block 2: distillation mse"), "--generations", "2");
            var config = layout.ReadConfig();
            var second = layout.Generation(config, 2);
            Assert.True(File.Exists(second.BlockCheckpoint(1)));
            var teacherResult = new TrainRun(layout.ScaledTeacherFolder(2)).ResultPath;
            var teacherWritten = File.GetLastWriteTimeUtc(teacherResult);
            var block1Written = File.GetLastWriteTimeUtc(second.BlockCheckpoint(0));

            var (code, output, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--generations", "2", "--out", folder, "--resume"]);
            Assert.True(code == 0, err);
            Assert.Contains("== Generation 1\n   done earlier", output);
            Assert.Contains("== Scaled teacher 2\n   done earlier", output);
            Assert.Equal(ratingsCopied, File.GetLastWriteTimeUtc(layout.Generation(config, 1).RatingsPath));
            Assert.Equal(referenceSearch.Best, layout.Generation(config, 1).ReadSearch().Best);
            Assert.Equal(teacherWritten, File.GetLastWriteTimeUtc(teacherResult));
            Assert.Equal(block1Written, File.GetLastWriteTimeUtc(second.BlockCheckpoint(0)));

            // The second teacher is the first generation's searched network, deepened, in the deepened space.
            var space = second.ReadSpace();
            var teacher = new TrainRun(second.TeacherFolder).ReadConfig();
            Assert.Equal(DepthScaling.Deepen(Architecture.Parse(referenceSearch.Best.Architecture, space), space, ProgressiveConfig.DefaultDepthMultiplier).ToString(), teacher.Architecture);
            Assert.Equal(DepthScaling.Deepen(space, ProgressiveConfig.DefaultDepthMultiplier), SpaceFile.Load(layout.TeacherSpacePath(2)));
            // Every candidate of every block is rated against it, and the answer is generation 2's network, retrained unscaled.
            using (var ratings = new RatingStore(second.RatingsPath))
                for (int b = 0; b < space.Blocks.Count; b++)
                    Assert.Equal((int)space.CandidateCount(b), ratings.Count(b));
            var answer = new TrainRun(second.RetrainFolder).ReadResult()!;
            Assert.Equal(second.ReadSearch().Best.Architecture, answer.Architecture);
            Assert.Contains($"generation 2's searched architecture `{ReportParts.Cell(answer.Architecture)}`", File.ReadAllText(layout.SummaryPath));
            // The baseline is generation 1's, not trained again.
            Assert.Equal(File.ReadAllText(new TrainRun(layout.Generation(config, 1).BaselineFolder).ResultPath), File.ReadAllText(new TrainRun(second.BaselineFolder).ResultPath));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
