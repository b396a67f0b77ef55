using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DnaNas.Training;

/// <summary>
/// Batch-norm statistics of one path of a weight-sharing network are not the supernet's running averages: every
/// method that rates a path (DNA's block cells, SPOS's supernet) resets them and forwards calibration batches first.
/// </summary>
public static class BatchNormCalibration
{
    /// <summary>Resets every batch norm of <paramref name="module"/> to a cumulative average, so each calibration batch weighs the same.</summary>
    public static void Reset(nn.Module module)
    {
        foreach (var bn in module.modules())
            switch (bn)
            {
                case BatchNorm2d b2: b2.reset_running_stats(); b2.momentum = null; break;
                case BatchNorm1d b1: b1.reset_running_stats(); b1.momentum = null; break;
            }
    }
}
