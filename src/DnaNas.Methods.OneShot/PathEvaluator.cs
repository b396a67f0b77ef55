using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using static TorchSharp.torch;

namespace DnaNas.Methods.OneShot;

/// <summary>
/// Rates a path of a single-path supernet by its validation accuracy after recalibrating batch norm for that path
/// (shared running statistics belong to no path: SPOS recomputes them per candidate before evaluating it).
/// Calibration and validation batches are built once and reused for every path, so paths are compared on the
/// same images.
/// </summary>
public sealed class PathEvaluator : IDisposable
{
    private readonly SinglePathSupernet _supernet;
    private readonly List<Tensor> _calibration = [];
    private readonly List<(Tensor X, Tensor Y)> _validation = [];

    /// <param name="calibrationImages">Training images (stratified, no augmentation) forwarded in train mode per path.</param>
    /// <param name="validationImages">Validation images the accuracy is measured on (stratified subset).</param>
    public PathEvaluator(SinglePathSupernet supernet, DatasetSplits data, int calibrationImages, int validationImages, long seed, int batchSize = 128)
    {
        _supernet = supernet;
        var calibrationSet = data.Train.Sample(Math.Min(calibrationImages, data.Train.Count), seed);
        foreach (var (x, y) in new BatchLoader(calibrationSet, batchSize, data.Mean, data.Std, shuffle: false, augment: null, seed).Epoch(0))
        {
            _calibration.Add(x);
            y.Dispose();
        }
        var validationSet = data.Validation.Sample(Math.Min(validationImages, data.Validation.Count), seed);
        foreach (var batch in new BatchLoader(validationSet, 256, data.Mean, data.Std, shuffle: false, augment: null, seed).Epoch(0))
            _validation.Add(batch);
        ValidationCount = validationSet.Count;
    }

    public int ValidationCount { get; }

    public double Accuracy(Architecture architecture)
    {
        var path = _supernet.PathOf(architecture);
        bool wasTraining = _supernet.training;
        BatchNormCalibration.Reset(_supernet);
        long correct = 0;
        using (no_grad())
        {
            _supernet.train();
            foreach (var x in _calibration)
            {
                using var scope = NewDisposeScope();
                _supernet.call(x, path);
            }
            _supernet.eval();
            foreach (var (x, y) in _validation)
            {
                using var scope = NewDisposeScope();
                correct += _supernet.call(x, path).argmax(1).eq(y).sum().item<long>();
            }
        }
        if (wasTraining) _supernet.train();
        return (double)correct / ValidationCount;
    }

    public void Dispose()
    {
        foreach (var x in _calibration) x.Dispose();
        foreach (var (x, y) in _validation) { x.Dispose(); y.Dispose(); }
    }
}
