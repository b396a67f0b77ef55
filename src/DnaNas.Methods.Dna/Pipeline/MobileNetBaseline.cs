using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>
/// The second hand-designed comparison, which is not the teacher: MobileNetV2's layout (Sandler et al., 2018) in the
/// space, its 3x3 inverted residual with expansion 6 at every layer (the space's smallest kernel at its largest
/// expansion), cut to the budget as MobileNetV2 is built: deep where the feature maps are narrow and cheap, shallow
/// where they are wide, by dropping, one at a time, the last layer of the block where a layer costs most. The
/// uniform baseline keeps every block's depth and picks the op that fills the budget; this one keeps MobileNetV2's
/// op and gives up depth where it is dearest, so a verdict that holds against both does not rest on one hand design.
/// </summary>
public static class MobileNetBaseline
{
    /// <summary>The layout, or null when the space has no MBConv op or the layout is the uniform baseline itself.</summary>
    public static Architecture? For(SearchSpace space, CostKind kind, long budget)
    {
        var op = space.Ops.OfType<MBConvOp>().OrderBy(o => o.Kernel).ThenByDescending(o => o.Expansion).FirstOrDefault();
        if (op is null) return null;
        long Cost(Architecture a) => CostModel.Of(space, a).In(kind);
        Architecture Layout(int[] depths) => Architecture.Layered(space, op, depths);

        int[] depths = [.. space.Blocks.Select(b => b.Layers)];
        var layout = Layout(depths);
        while (Cost(layout) > budget)
        {
            // The block whose last layer saves most; the later block on a tie (wider maps come later).
            int drop = -1;
            long saved = 0;
            for (int b = 0; b < depths.Length; b++)
            {
                if (depths[b] <= space.Blocks[b].MinLayers) continue;
                depths[b]--;
                long saving = Cost(layout) - Cost(Layout(depths));
                depths[b]++;
                if (drop < 0 || saving >= saved) (drop, saved) = (b, saving);
            }
            if (drop < 0) break; // every block at its least depth: the cheapest layout, as the uniform baseline does
            depths[drop]--;
            layout = Layout(depths);
        }
        return layout.Equals(UniformBaseline.For(space, kind, budget)) ? null : layout;
    }

    public static Architecture? For(SearchSpace space, DnaConfig config) => config.SecondBaseline ? For(space, config.BudgetKind, config.Budget) : null;
}
