using System.Text;
using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

/// <summary>
/// A teacher's block outputs for a fixed set of images, computed once and kept in half precision so block
/// training never reruns the teacher (DNA trains each block on the teacher's previous block output).
/// Level 0 holds the normalised images (block 0's input); level b+1 holds block b's output.
/// </summary>
public sealed class TeacherFeatures : IDisposable
{
    private readonly Tensor[] _levels;

    private TeacherFeatures(Tensor[] levels) => _levels = levels;

    public int Count => (int)_levels[0].shape[0];
    public int Blocks => _levels.Length - 1;

    /// <summary>Inputs of block b (images for b = 0), as float32, for the given rows.</summary>
    public Tensor Input(int block, Tensor rows) => _levels[block].index_select(0, rows).to_type(ScalarType.Float32);

    /// <summary>Teacher's output of block b, as float32, for the given rows.</summary>
    public Tensor Target(int block, Tensor rows) => _levels[block + 1].index_select(0, rows).to_type(ScalarType.Float32);

    /// <summary>Runs the teacher over <paramref name="images"/> in eval mode and keeps every block output.</summary>
    /// <remarks>
    /// Each batch is written straight into its rows of one half-precision tensor per level, allocated at the first
    /// batch: keeping per-batch parts and joining them at the end held the whole store twice (12,000 images of the
    /// quick preset are 291 MB in half precision). copy_ converts float32 to float16 exactly as to_type does.
    /// </remarks>
    public static TeacherFeatures Compute(MBConvNet teacher, ImageSet images, float[] mean, float[] std, int batchSize = 256)
    {
        teacher.eval();
        var loader = new BatchLoader(images, batchSize, mean, std, shuffle: false, augment: null, seed: 0);
        var levels = new Tensor[teacher.Space.Blocks.Count + 1];
        try
        {
            using (no_grad())
            {
                long start = 0;
                foreach (var (x, y) in loader.Epoch(0))
                {
                    using var scope = NewDisposeScope();
                    x.MoveToOtherDisposeScope(scope);
                    y.MoveToOtherDisposeScope(scope);
                    var (blocks, _) = teacher.ForwardBlocks(x);
                    long count = x.shape[0];
                    for (int level = 0; level < levels.Length; level++)
                    {
                        var output = level == 0 ? x : blocks[level - 1];
                        levels[level] ??= empty([images.Count, .. output.shape[1..]], ScalarType.Float16).DetachFromDisposeScope();
                        levels[level].narrow(0, start, count).copy_(output);
                    }
                    start += count;
                }
            }
        }
        catch
        {
            foreach (var level in levels) level?.Dispose();
            throw;
        }
        return new TeacherFeatures(levels);
    }

    /// <summary>
    /// Copies of the first <paramref name="count"/> rows of every level: what rating takes from the training features
    /// (its calibration batches), so the rest can be released before the walk.
    /// </summary>
    public TeacherFeatures Head(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 0);
        int kept = Math.Min(count, Count);
        using var scope = NewDisposeScope();
        return new TeacherFeatures(_levels.Select(level => level.narrow(0, 0, kept).clone().DetachFromDisposeScope()).ToArray());
    }

    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(_levels.Length);
        foreach (var level in _levels) level.Save(w);
    });

    public static TeacherFeatures Load(string path)
    {
        using var fs = File.OpenRead(path);
        using var r = new BinaryReader(fs, Encoding.UTF8);
        try
        {
            int count = r.ReadInt32();
            return new TeacherFeatures(Enumerable.Range(0, count).Select(_ => TensorExtensionMethods.Load(r).DetachFromDisposeScope()).ToArray());
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException)
        {
            throw new TrainingException($"teacher features {path} are unreadable ({e.Message}); delete the file to recompute them");
        }
    }

    public void Dispose()
    {
        foreach (var level in _levels) level.Dispose();
    }
}
