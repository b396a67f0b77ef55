using DnaNas.Modules;
using System.Runtime.InteropServices;
using DnaNas.Space;
using static TorchSharp.torch;

namespace DnaNas.Tests;

/// <summary>
/// Forward passes hand libtorch only scalars that something holds (<see cref="DnaNas.Data.HeldScalars"/>): a
/// temporary scalar's finalizer, run by a collection another thread starts, can free it during the native call.
/// Both tests fail with libtorch's "toFloat" error when the residual adds go back to <c>h + x</c>.
/// </summary>
[Collection(Lanes.A)]
public class ScalarLifetimeTests
{
    [Fact]
    public void An_MBConv_residual_survives_collections_on_another_thread()
    {
        using var layer = new MBConv(new LayerShape(1, 1, 1, 2, 2), kernel: 3, expansion: 1, squeezeExcite: false, Activation.Relu);
        layer.eval();
        using var x = ones(1, 1, 2, 2);
        Assert.Equal(0, FailuresUnderCollections(() => { using var _ = no_grad(); using var y = layer.call(x); }, calls: 60_000));
    }

    [Fact]
    public void A_transformer_layer_survives_collections_on_another_thread()
    {
        using var layer = new TransformerLayer(new LayerShape(4, 4, 1, 2, 2), heads: 1, mlpRatio: 1);
        layer.eval();
        using var x = ones(1, 4, 2, 2);
        Assert.Equal(0, FailuresUnderCollections(() => { using var _ = no_grad(); using var y = layer.call(x); }, calls: 20_000));
    }

    /// <summary>Calls <paramref name="forward"/> while another thread collects and finalizes without pause; counts the calls libtorch refused.</summary>
    private static int FailuresUnderCollections(Action forward, int calls)
    {
        var stop = false;
        var collector = new Thread(() => { while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); } });
        collector.Start();
        int failures = 0;
        try
        {
            for (int i = 0; i < calls; i++)
                try { forward(); } catch (ExternalException) { failures++; }
        }
        finally { Volatile.Write(ref stop, true); collector.Join(); }
        return failures;
    }
}
