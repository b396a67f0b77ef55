namespace DnaNas.Space;

/// <summary>
/// Architectures as plain gene vectors for evolutionary search: per block one depth gene (MinLayers..Layers, as
/// 0..Layers-MinLayers) followed by one op gene per layer position (an index into <see cref="SearchSpace.Ops"/>).
/// Op genes past a block's depth do not matter; <see cref="Canonical"/> zeroes them so one architecture has one vector.
/// </summary>
public sealed class ArchitectureGenes
{
    private readonly SearchSpace _space;

    public ArchitectureGenes(SearchSpace space)
    {
        _space = space;
        var cardinalities = new List<int>();
        foreach (var block in space.Blocks)
        {
            cardinalities.Add(block.Layers - block.MinLayers + 1);
            cardinalities.AddRange(Enumerable.Repeat(space.Ops.Count, block.Layers));
        }
        Cardinalities = cardinalities;
    }

    public IReadOnlyList<int> Cardinalities { get; }

    public int[] Encode(Architecture architecture)
    {
        var genes = new List<int>();
        for (int b = 0; b < _space.Blocks.Count; b++)
        {
            var candidate = architecture.Blocks[b];
            genes.Add(candidate.Depth - _space.Blocks[b].MinLayers);
            genes.AddRange(candidate.Layers.Select(op => op.IsSkip ? 0 : _space.Ops.IndexOf(op)));
        }
        return genes.ToArray();
    }

    public Architecture Decode(int[] genes)
    {
        Check(genes);
        var blocks = new List<Candidate>();
        int at = 0;
        foreach (var block in _space.Blocks)
        {
            int depth = block.MinLayers + genes[at++];
            blocks.Add(new Candidate(Enumerable.Range(0, block.Layers).Select(l => l < depth ? _space.Ops[genes[at + l]] : Op.Skip)));
            at += block.Layers;
        }
        return new Architecture(blocks);
    }

    public int[] Canonical(int[] genes) => Encode(Decode(genes));

    private void Check(int[] genes)
    {
        if (genes.Length != Cardinalities.Count)
            throw new ArgumentException($"{genes.Length} genes for a space that has {Cardinalities.Count}");
        for (int i = 0; i < genes.Length; i++)
            if (genes[i] < 0 || genes[i] >= Cardinalities[i])
                throw new ArgumentException($"gene {i} is {genes[i]}, outside 0..{Cardinalities[i] - 1}");
    }
}
