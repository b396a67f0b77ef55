namespace DnaNas.Search;

/// <summary>The cost a budget constrains: trainable parameters or multiply-accumulates of one forward pass.</summary>
public enum CostKind
{
    Params,
    Macs,
}
