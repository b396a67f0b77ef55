using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Training;

namespace DnaNas.Export;

/// <summary>
/// Exports a finished training folder (<c>dna train</c>, or a run's retrained network, baseline or teacher): its
/// network with its trained normalisation and class names, verified on the test images of the data it was trained on.
/// </summary>
public static class TrainedNetworkExport
{
    public static ExportOutcome Export(string trainingFolder, string path, int opset = NetworkOnnxWriter.DefaultOpset,
        int verifyImages = OnnxExport.DefaultVerifyImages)
    {
        var (network, info, data) = Load(trainingFolder);
        using (network)
        {
            if (data.Test.Count == 0) throw new ExportException($"the test split of {data.Name} is empty: there are no real images to verify the export on");
            return OnnxExport.WriteVerified(network, info, data.Test, path, opset, verifyImages);
        }
    }

    /// <summary>A finished training's network (the caller disposes it), what its model will say about itself, and its data.</summary>
    public static (MBConvNet Network, ExportInfo Info, DatasetSplits Data) Load(string trainingFolder)
    {
        var run = new TrainRun(trainingFolder);
        var config = run.ReadConfig();
        var trained = run.ReadResult()
            ?? throw new ExportException($"{trainingFolder} has not finished training (no result.json); finish it with dna train --out {trainingFolder} --resume");
        var data = Datasets.Load(config.Data);
        var (network, _) = run.LoadModel(data);
        return (network, new ExportInfo(data.Train.ClassNames, trained.Mean, trained.Std, $"{Path.GetFullPath(trainingFolder)} ({data.Name})"), data);
    }
}
