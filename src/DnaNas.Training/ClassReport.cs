namespace DnaNas.Training;

/// <summary>
/// Accuracy per class on a test set, so an imbalanced data set cannot look good by predicting its largest class:
/// the confusion matrix (rows: true class, columns: predicted), each class's recall, their mean (balanced accuracy),
/// and the accuracy of always answering the most frequent class.
/// </summary>
public sealed record ClassReport(IReadOnlyList<string> Classes, IReadOnlyList<IReadOnlyList<long>> Confusion)
{
    public long Count => Confusion.Sum(r => r.Sum());

    /// <summary>Recall of each class; NaN for a class with no test image.</summary>
    public IReadOnlyList<double> PerClass => Confusion.Select((row, c) => row.Sum() is var n and > 0 ? (double)row[c] / n : double.NaN).ToList();

    /// <summary>Mean recall over the classes present in the test set: chance is 1 / classes whatever the imbalance.</summary>
    public double BalancedAccuracy => PerClass.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();

    /// <summary>Accuracy of predicting the largest class for every image.</summary>
    public double MajorityRate => Count == 0 ? double.NaN : (double)Confusion.Max(r => r.Sum()) / Count;

    /// <summary>
    /// Whether <paramref name="accuracy"/> is clearly better than always answering the largest class: at least five
    /// points above it, and a balanced accuracy at least 1.5 times chance. A run that fails it says so instead of
    /// presenting the result.
    /// </summary>
    public bool ClearlyBeatsMajority(double accuracy) =>
        accuracy >= MajorityRate + 0.05 && BalancedAccuracy >= 1.5 / Math.Max(1, Confusion.Count(r => r.Sum() > 0));

    /// <summary>One line for a console or report when the network does not clearly beat the majority class; null when it does.</summary>
    public string? MajorityWarning(string network, double accuracy) =>
        ClearlyBeatsMajority(accuracy) ? null
            : $"warning: the {network} network ({100 * accuracy:F1}% accuracy, {100 * BalancedAccuracy:F1}% balanced) does not clearly beat always answering the largest class ({100 * MajorityRate:F1}%): do not ship it; train longer, use more images per class, or balance the classes";

    public static ClassReport FromPredictions(IReadOnlyList<string> classes, IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
    {
        var matrix = new long[classes.Count][];
        for (int c = 0; c < classes.Count; c++) matrix[c] = new long[classes.Count];
        for (int i = 0; i < truth.Count; i++) matrix[truth[i]][predicted[i]]++;
        return new ClassReport(classes, matrix);
    }
}
