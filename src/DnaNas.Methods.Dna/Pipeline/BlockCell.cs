using DnaNas.Modules;
using DnaNas.Space;

namespace DnaNas.Methods.Dna;

/// <summary>
/// One weight-sharing cell a DNA run trains and rates: a block at one of its output widths. Without width choices a
/// block has one cell, at its width. With them, one cell per width: each reads the teacher's previous block output
/// (the reference width before it) and, when its width is not the reference one, projects its output to the
/// teacher's channels to be compared with them (<see cref="BlockSupernet"/>). Cells share no weights across widths,
/// so every width's candidates are rated by a cell trained at that width alone.
/// </summary>
public readonly record struct BlockCell(int Block, int Width, int ReferenceWidth)
{
    /// <summary>Every cell of a space, block by block, widths ascending: the order of training, rating and job indices.</summary>
    public static IReadOnlyList<BlockCell> Of(SearchSpace space) =>
        space.Blocks.SelectMany((spec, b) => spec.WidthChoices.Select(w => new BlockCell(b, w, spec.Channels))).ToArray();

    /// <summary>The cells of one block.</summary>
    public static IReadOnlyList<BlockCell> Of(SearchSpace space, int block) => Of(space).Where(c => c.Block == block).ToArray();

    public bool IsReference => Width == ReferenceWidth;

    /// <summary>The width as the ratings database stores it: 0 for the reference width (<see cref="RatingStore"/>).</summary>
    public int StoredWidth => IsReference ? 0 : Width;

    /// <summary>The fixed-width space the cell is built in: the block at its width, every other at the reference one.</summary>
    public SearchSpace SpaceOf(SearchSpace space) => space.SearchesWidths ? space.AtBlockWidth(Block, Width) : space;

    public BlockSupernet Build(SearchSpace space) => new(SpaceOf(space), Block, ReferenceWidth);

    /// <summary>"block 2", or "block 2 at width 32" when the block searches its width.</summary>
    public string Describe(SearchSpace space) => space.Blocks[Block].Widths.Count > 0 ? $"block {Block + 1} at width {Width}" : $"block {Block + 1}";
}
