using TorchSharp;

namespace DnaNas.Data;

/// <summary>
/// Scalars the hot paths (forward passes, batches) hand to libtorch, held for the process's life. A TorchSharp <see cref="Scalar"/> frees
/// its native value in a finalizer, and the one an implicit conversion makes (<c>a + b</c> adds with alpha 1) is
/// referenced by nothing while the native call runs (so are the alphas of TorchSharp's <c>Tensor + Scalar</c> and
/// <c>Scalar - Tensor</c>; <c>mul</c>, <c>div</c> and <c>sub</c> take none), so a garbage collection started by another thread can free it
/// mid-op. Seen once, in a test run, as libtorch's "toFloat: Expected false to be true" in a residual add. A scalar
/// made for one call is held with <c>using var</c> instead, which also frees it at once.
/// </summary>
public static class HeldScalars
{
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/>, with an alpha no collection can free during the call.</summary>
    public static torch.Tensor Plus(torch.Tensor a, torch.Tensor b) => a.add(b, One);

    /// <summary><paramref name="a"/> + <paramref name="s"/> (TorchSharp's operator passes a temporary alpha).</summary>
    public static torch.Tensor Plus(torch.Tensor a, Scalar s) => a.add(s, One);

    /// <summary><paramref name="s"/> - <paramref name="t"/>, as TorchSharp's operator computes it (negate, then add), with a held alpha.</summary>
    public static torch.Tensor Minus(Scalar s, torch.Tensor t) => t.negative().add(s, One);
}
