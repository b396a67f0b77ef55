namespace DnaNas.Space;

/// <summary>
/// DNA+'s teacher scaling, by depth only: every block of the space takes up to <c>multiplier</c> times its layers,
/// and an architecture is stretched to fill them (each of its layers repeated in place, as compound scaling deepens
/// a stage). Width is left alone on purpose: a wider teacher's block outputs would have more channels than every
/// student's, so each block would need learned projections on both sides, adapters that belong to no candidate and
/// would themselves shape the ratings. A deeper teacher keeps every block boundary's shape, and DNA's block loss stays
/// its own.
/// </summary>
public static class DepthScaling
{
    /// <summary>The space with each block's most layers scaled by <paramref name="multiplier"/> (rounded up); nothing else changes but the name.</summary>
    public static SearchSpace Deepen(SearchSpace space, double multiplier)
    {
        RequireMultiplier(multiplier);
        return space with
        {
            Name = $"{space.Name}-deep{multiplier:0.##}",
            Blocks = space.Blocks.Select(b => b with { Layers = DeepLayers(b.Layers, multiplier) }).ToArray(),
        };
    }

    /// <summary>
    /// <paramref name="architecture"/> of <paramref name="space"/> in the deepened space: a block of depth d gets
    /// ceil(d x multiplier) layers (at most the deepened block's), layer j taking the op of the original layer
    /// floor(j x d / new depth), so every op keeps its order and about its share.
    /// </summary>
    public static Architecture Deepen(Architecture architecture, SearchSpace space, double multiplier)
    {
        RequireMultiplier(multiplier);
        if (architecture.Blocks.Count != space.Blocks.Count)
            throw new SpaceException($"{architecture} has {architecture.Blocks.Count} blocks, space {space.Name} has {space.Blocks.Count}");
        var blocks = new List<Candidate>();
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var ops = architecture.Blocks[b].Layers.Where(op => !op.IsSkip).ToArray();
            int layers = DeepLayers(space.Blocks[b].Layers, multiplier);
            int depth = Math.Min(layers, (int)Math.Ceiling(ops.Length * multiplier - 1e-9));
            blocks.Add(new Candidate(Enumerable.Range(0, layers).Select(j => j < depth ? ops[j * ops.Length / depth] : Op.Skip)));
        }
        return new Architecture(blocks);
    }

    /// <summary>
    /// Why a network of <paramref name="teacher"/> cannot supervise the blocks of <paramref name="student"/>, or null
    /// when it can: every block boundary (the input, each block's output) must have the same channels and resolution,
    /// since each student block reads the teacher's previous block output and reproduces the teacher's own.
    /// </summary>
    public static string? Mismatch(SearchSpace teacher, SearchSpace student)
    {
        if (teacher.InputSize != student.InputSize || teacher.InputChannels != student.InputChannels)
            return $"its input is {teacher.InputChannels}x{teacher.InputSize}x{teacher.InputSize}, the student's {student.InputChannels}x{student.InputSize}x{student.InputSize}";
        if (teacher.Classes != student.Classes) return $"it has {teacher.Classes} classes, the student {student.Classes}";
        if (teacher.Blocks.Count != student.Blocks.Count) return $"it has {teacher.Blocks.Count} blocks, the student {student.Blocks.Count}";
        for (int b = 0; b < student.Blocks.Count; b++)
        {
            var (t, s) = (teacher.Layer(b, 0), student.Layer(b, 0));
            if (t.OutChannels != s.OutChannels || t.OutSize != s.OutSize || t.InChannels != s.InChannels || t.InSize != s.InSize)
                return $"block {b + 1} maps {t.InChannels}x{t.InSize} to {t.OutChannels}x{t.OutSize}, the student's {s.InChannels}x{s.InSize} to {s.OutChannels}x{s.OutSize}";
        }
        return null;
    }

    private static int DeepLayers(int layers, double multiplier) => (int)Math.Ceiling(layers * multiplier - 1e-9);

    private static void RequireMultiplier(double multiplier)
    {
        if (!(multiplier >= 1) || double.IsInfinity(multiplier))
            throw new SpaceException($"a depth multiplier must be 1 or more, got {multiplier}");
    }
}
