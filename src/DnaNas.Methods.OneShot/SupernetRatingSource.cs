using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.OneShot;

/// <summary>
/// A trained single-path supernet's score of an architecture: the path's validation accuracy after batch-norm
/// recalibration (SPOS). Reads the supernet weights in <see cref="FileName"/> under the context's folder: after
/// plain training ("spos") or after the shifting search moved them ("spos+shifting").
/// </summary>
/// <param name="checkpoint">True: a training checkpoint (weights and optimizer); false: the module's weights alone.</param>
public sealed class SupernetRatingSource(string name, string fileName, bool checkpoint) : IRatingSource
{
    public const string Spos = "spos", Shifted = "spos+shifting";
    public const string SposFile = "supernet.bin", ShiftedFile = "shifted.bin";

    public static SupernetRatingSource Trained { get; } = new(Spos, SposFile, checkpoint: true);
    public static SupernetRatingSource AfterShifting { get; } = new(Shifted, ShiftedFile, checkpoint: false);

    public string Name => name;
    public string FileName => fileName;

    public bool IsReady(RatingContext context) => File.Exists(Path.Combine(context.Folder, fileName));

    /// <summary>The supernet of <paramref name="space"/> with this source's weights from <paramref name="folder"/>; the caller disposes it.</summary>
    public SinglePathSupernet Load(SearchSpace space, string folder)
    {
        var supernet = new SinglePathSupernet(space);
        try
        {
            string path = Path.Combine(folder, fileName);
            if (checkpoint) SupernetTrainer.LoadWeights(path, supernet);
            else
            {
                using var reader = new BinaryReader(File.OpenRead(path));
                supernet.load(reader);
            }
            return supernet;
        }
        catch
        {
            supernet.Dispose();
            throw;
        }
    }

    public IReadOnlyDictionary<string, double> Score(RatingContext context, IReadOnlyList<Architecture> architectures)
    {
        using var supernet = Load(context.Space, context.Folder);
        using var evaluator = new PathEvaluator(supernet, context.Data(), context.CalibrationImages, context.RatingImages, context.Seed);
        return architectures.ToDictionary(a => a.ToString(), evaluator.Accuracy);
    }
}
