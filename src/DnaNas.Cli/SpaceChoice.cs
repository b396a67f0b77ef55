using DnaNas.Data;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Cli;

/// <summary>
/// The space a verb works in: the one given with --space (checked against the data), or for a folder of images with
/// no --space one derived from the images (<see cref="SpaceFit.Derive"/>), written to a JSON file so job processes and
/// resumes resolve the same space. <see cref="BudgetScale"/> carries a preset's budget over to the derived space.
/// </summary>
internal sealed record SpaceChoice(SearchSpace Space, string SpaceName, double BudgetScale)
{
    public const string DerivedFileName = "derived-space.json";

    public long ScaleBudget(long presetBudget) => (long)Math.Round(presetBudget * BudgetScale, MidpointRounding.AwayFromZero);

    public DatasetRequest Request(DatasetKind kind, string? path, long splitSeed) =>
        new(kind, path, Space.InputSize, Space.InputChannels) { SplitSeed = splitSeed };

    /// <param name="derivedFolder">Where a derived space's JSON file goes (the run folder).</param>
    public static SpaceChoice Choose(string? spaceOption, DatasetKind kind, string? dataPath, string derivedFolder)
    {
        FolderShape? folder = kind == DatasetKind.ImageFolder && dataPath is not null ? FolderInspector.Inspect(dataPath) : null;
        if (spaceOption is null && folder is not null) return Derive(folder, derivedFolder);

        string name = spaceOption ?? BuiltinSpaces.FmnistMbconv.Name;
        var space = BuiltinSpaces.Resolve(name);
        bool builtin = BuiltinSpaces.All.Any(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (folder is not null) CheckFits(space, builtin, folder);
        // A file is named by its full path, so job processes started elsewhere find it too.
        return new SpaceChoice(space, builtin ? space.Name : Path.GetFullPath(name), 1.0);
    }

    /// <summary>
    /// Colour photos must not be shrunk to gray, nor to a smaller input than the images carry, without the user
    /// asking for it by a space of that shape; a space file's classes must be the folder's. Upsampling is allowed
    /// (the 224x224 imagenet-dna space on small images).
    /// </summary>
    private static void CheckFits(SearchSpace space, bool builtin, FolderShape folder)
    {
        var data = new DataShape(folder.InputSize, folder.Channels, folder.Classes);
        bool losesColour = space.InputChannels < folder.Channels;
        bool shrinks = space.InputSize < folder.InputSize;
        bool otherClasses = !builtin && space.Classes != folder.Classes;
        if (losesColour || shrinks || otherClasses)
            SpaceFit.Check(builtin ? space with { Classes = folder.Classes } : space, data);
    }

    private static SpaceChoice Derive(FolderShape folder, string derivedFolder)
    {
        var derived = SpaceFit.Derive(new DataShape(folder.InputSize, folder.Channels, folder.Classes));
        string path = Path.GetFullPath(Path.Combine(derivedFolder, DerivedFileName));
        string json = SpaceFile.ToJson(derived.Space);
        if (!File.Exists(path) || File.ReadAllText(path) != json) AtomicFile.WriteAllText(path, json);
        var s = derived.Space;
        Console.WriteLine($"derived space {s.Name} from {folder.Images:N0} images (median side {folder.MedianSide} px): " +
                          $"{s.InputSize}x{s.InputSize} {(s.InputChannels == 1 ? "gray" : "RGB")}, {s.Classes} classes, " +
                          $"stem {s.Stem.Channels} stride {s.Stem.Stride}, block widths {string.Join("/", s.Blocks.Select(b => b.Channels))}, " +
                          $"strides {string.Join("/", s.Blocks.Select(b => b.Stride))}; budgets x{derived.BudgetScale:0.00}; {path}");
        return new SpaceChoice(s, path, derived.BudgetScale);
    }
}
