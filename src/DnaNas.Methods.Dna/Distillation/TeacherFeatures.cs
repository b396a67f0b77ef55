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
    public static TeacherFeatures Compute(MBConvNet teacher, ImageSet images, float[] mean, float[] std, int batchSize = 256)
    {
        teacher.eval();
        var loader = new BatchLoader(images, batchSize, mean, std, shuffle: false, augment: null, seed: 0);
        var parts = Enumerable.Range(0, teacher.Space.Blocks.Count + 1).Select(_ => new List<Tensor>()).ToArray();
        using (no_grad())
        {
            foreach (var (x, y) in loader.Epoch(0))
            {
                using var scope = NewDisposeScope();
                x.MoveToOtherDisposeScope(scope);
                y.MoveToOtherDisposeScope(scope);
                var (blocks, _) = teacher.ForwardBlocks(x);
                parts[0].Add(x.to_type(ScalarType.Float16).DetachFromDisposeScope());
                for (int b = 0; b < blocks.Length; b++) parts[b + 1].Add(blocks[b].to_type(ScalarType.Float16).DetachFromDisposeScope());
            }
        }
        var levels = parts.Select(list =>
        {
            var joined = cat(list, 0).DetachFromDisposeScope();
            foreach (var t in list) t.Dispose();
            return joined;
        }).ToArray();
        return new TeacherFeatures(levels);
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
