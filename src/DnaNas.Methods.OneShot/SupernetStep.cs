using DnaNas.Modules;
using DnaNas.Randomness;
using static TorchSharp.torch;

namespace DnaNas.Methods.OneShot;

/// <summary>
/// One optimisation step of a weight-sharing supernet: which paths it trains and with which loss. The trainer owns
/// the loop, the optimizer, the schedule and the checkpoints; a step only turns a batch into logits and a loss, so
/// BigNAS's sandwich rule or few-shot sub-supernets are new steps, not new trainers.
/// </summary>
public interface ISupernetStep
{
    /// <param name="paths">The epoch's path generator: the same seed and epoch give the same paths, so a resumed run repeats them.</param>
    (Tensor Logits, Tensor Loss) Step(SinglePathSupernet supernet, Tensor x, Tensor y, StableRandom paths);
}

/// <summary>SPOS (Guo et al., 2020): one path drawn by the sampler per step, label-smoothed cross-entropy.</summary>
public sealed class SinglePathStep(PathSampler sampler, double labelSmoothing) : ISupernetStep
{
    public (Tensor Logits, Tensor Loss) Step(SinglePathSupernet supernet, Tensor x, Tensor y, StableRandom paths)
    {
        var logits = supernet.call(x, supernet.PathOf(sampler.Sample(paths)));
        return (logits, nn.functional.cross_entropy(logits, y, label_smoothing: labelSmoothing));
    }
}
