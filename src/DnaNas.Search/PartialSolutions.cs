namespace DnaNas.Search;

/// <summary>
/// The partial architectures kept after the first blocks have been chosen: one entry per prefix, in
/// lexicographic order of its candidate indices, with its totals so far and a back-pointer to the prefix one
/// block shorter. Stored as parallel arrays because frontiers reach hundreds of thousands of entries.
/// </summary>
internal sealed class PartialSolutions
{
    public PartialSolutions(int count)
    {
        Cost = new long[count];
        OtherCost = new long[count];
        Rating = new double[count];
        Parent = new int[count];
        Option = new int[count];
    }

    public int Count => Cost.Length;

    /// <summary>Cost in the budget's unit, fixed cost included.</summary>
    public long[] Cost { get; }

    /// <summary>Cost in the other unit, fixed cost included: reported, never constrained.</summary>
    public long[] OtherCost { get; }

    /// <summary>Sum of the block ratings so far, added in block order starting from zero.</summary>
    public double[] Rating { get; }

    /// <summary>Index of the prefix one block shorter in the previous <see cref="PartialSolutions"/>.</summary>
    public int[] Parent { get; }

    /// <summary>Index of the last block's option in that block's pruned option array.</summary>
    public int[] Option { get; }

    /// <summary>The empty prefix: no block chosen yet, only stem and head paid for.</summary>
    public static PartialSolutions Empty(long fixedCost, long fixedOtherCost)
    {
        var empty = new PartialSolutions(1);
        empty.Cost[0] = fixedCost;
        empty.OtherCost[0] = fixedOtherCost;
        empty.Parent[0] = -1;
        empty.Option[0] = -1;
        return empty;
    }
}
