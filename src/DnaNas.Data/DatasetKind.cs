namespace DnaNas.Data;

/// <summary>The dataset readers <see cref="Datasets.Load(DatasetRequest)"/> dispatches to.</summary>
public enum DatasetKind
{
    /// <summary>Fashion-MNIST idx(.gz) files (Debian package dataset-fashion-mnist).</summary>
    FashionMnist,

    /// <summary>A folder with one sub-folder of images per class, optionally under train/ and test/.</summary>
    ImageFolder,

    /// <summary>scikit-learn's 8x8 handwritten digits, digits.csv.gz.</summary>
    Digits,
}
