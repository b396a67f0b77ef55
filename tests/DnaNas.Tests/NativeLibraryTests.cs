using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Tests;

[Collection(Lanes.A)]
public class NativeLibraryTests
{
    [Fact]
    public void The_native_library_loads_and_runs_a_forward_and_backward_pass()
    {
        // Fails first, with the real cause, when the build's libstdc++ fix for Debian 12 regresses.
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        var layer = nn.Linear(4, 2);
        var x = randn(8, 4);
        var loss = layer.call(x).pow(2).mean();
        loss.backward();
        var grad = layer.weight!.grad!;
        Assert.Equal(new long[] { 2, 4 }, grad.shape);
        Assert.True(grad.abs().sum().item<float>() > 0);
        layer.Dispose();
    }
}
