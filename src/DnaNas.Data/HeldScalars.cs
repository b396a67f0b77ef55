using TorchSharp;

namespace DnaNas.Data;

/// <summary>
/// Scalars the hot paths (forward passes, batches) hand to libtorch, held for the process's life. A TorchSharp <see cref="Scalar"/> frees
/// its native value in a finalizer, and the one an implicit conversion makes (<c>a + b</c> adds with alpha 1) is
/// referenced by nothing while the native call runs, so a garbage collection started by another thread can free it
/// mid-op. Seen once, in a test run, as libtorch's "toFloat: Expected false to be true" in a residual add. A scalar
/// made for one call is held with <c>using var</c> instead, which also frees it at once.
/// </summary>
public static class HeldScalars
{
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/>, with an alpha no collection can free during the call.</summary>
    public static torch.Tensor Plus(torch.Tensor a, torch.Tensor b) => a.add(b, One);
}
