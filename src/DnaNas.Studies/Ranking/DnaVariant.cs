using System.Globalization;
using DnaNas.Methods.Dna;
using DnaNas.Space;

namespace DnaNas.Studies;

/// <summary>
/// One change to the study's DNA run, rated as a source of its own (<c>dna-NAME</c>) beside DNA itself, so what the
/// change does to the ranking is measured on the same ground truth: the depth a block trains (sampling), the block
/// training budget (epochs), and the teacher's capacity (its architecture and epochs). A variant that leaves the
/// teacher alone adopts the study's DNA teacher instead of training it again.
/// </summary>
public sealed record DnaVariant(string Name)
{
    public const string Prefix = "dna-";

    public CandidateSampling? Sampling { get; init; }
    public int? BlockEpochs { get; init; }
    public string? TeacherArchitecture { get; init; }
    public int? TeacherEpochs { get; init; }

    public string SourceName => Prefix + Name;
    /// <summary>The run folder under the study's folder.</summary>
    public string RunFolder => SourceName;
    public string StageName => "Dna:" + Name;
    public bool SharesTeacher => TeacherArchitecture is null && TeacherEpochs is null;

    public DnaRatingSource Source() => new(SourceName, RunFolder);

    /// <summary>The study's DNA configuration with this change; <paramref name="studyTeacher"/> is the study DNA run's teacher folder.</summary>
    public DnaConfig Apply(DnaConfig dna, string studyTeacher) => dna with
    {
        BlockRecipe = dna.BlockRecipe with
        {
            Sampling = Sampling ?? dna.BlockRecipe.Sampling,
            Epochs = BlockEpochs ?? dna.BlockRecipe.Epochs,
        },
        TeacherRun = SharesTeacher ? studyTeacher : null,
        TeacherArchitecture = TeacherArchitecture ?? dna.TeacherArchitecture,
        TeacherRecipe = TeacherEpochs is { } epochs ? (dna.TeacherRecipe ?? dna.RetrainRecipe) with { Epochs = epochs, DistillationWeight = 0 } : dna.TeacherRecipe,
    };

    private const string Example = "depth:sampling=depth-first, blocks6:block-epochs=6, or big:teacher=k7e6|k7e6/k7e6|k7e6|k7e6/k7e6|k7e6|k7e6/k7e6|k7e6,teacher-epochs=3";

    /// <summary>NAME:KEY=VALUE[,KEY=VALUE...] with keys sampling (uniform, depth-first), block-epochs, teacher, teacher-epochs.</summary>
    public static DnaVariant Parse(string text, SearchSpace space)
    {
        int colon = text.IndexOf(':');
        string name = colon > 0 ? text[..colon] : "";
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw new ArgumentException($"--dna-variant \"{text}\": expected NAME:KEY=VALUE,... with a name of letters, digits and dashes, e.g. {Example}");
        var variant = new DnaVariant(name);
        foreach (var pair in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = pair.IndexOf('=');
            string key = eq > 0 ? pair[..eq] : pair, value = eq > 0 ? pair[(eq + 1)..] : "";
            variant = key switch
            {
                "sampling" => variant with
                {
                    Sampling = value switch
                    {
                        "uniform" => CandidateSampling.Uniform,
                        "depth-first" => CandidateSampling.DepthFirst,
                        _ => throw new ArgumentException($"--dna-variant {name}: sampling must be uniform or depth-first, got \"{value}\""),
                    },
                },
                "block-epochs" => variant with { BlockEpochs = Positive(name, key, value) },
                "teacher-epochs" => variant with { TeacherEpochs = Positive(name, key, value) },
                "teacher" => variant with { TeacherArchitecture = TeacherOf(name, value, space) },
                _ => throw new ArgumentException($"--dna-variant {name}: unknown key \"{key}\"; use sampling, block-epochs, teacher or teacher-epochs, e.g. {Example}"),
            };
        }
        if (variant == new DnaVariant(name))
            throw new ArgumentException($"--dna-variant {name} changes nothing: give at least one KEY=VALUE, e.g. {Example}");
        return variant;
    }

    private static int Positive(string name, string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n : throw new ArgumentException($"--dna-variant {name}: {key} must be a whole number of 1 or more, got \"{value}\"");

    private static string TeacherOf(string name, string value, SearchSpace space)
    {
        try { return Architecture.Parse(value, space).ToString(); }
        catch (SpaceException e) { throw new ArgumentException($"--dna-variant {name}: teacher: {e.Message}"); }
    }
}
