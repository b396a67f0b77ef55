using System.Text.Json.Serialization;
using DnaNas.Data;

namespace DnaNas.Training;

public enum OptimizerKind { Sgd, AdamW }

/// <summary>
/// How a network is trained stand-alone. Defaults suit Fashion-MNIST on 2 CPU cores: a few epochs of
/// SGD with Nesterov momentum, one warm-up epoch and a cosine decay to zero.
/// </summary>
public sealed record TrainRecipe
{
    public int Epochs { get; init; } = 4;
    public int BatchSize { get; init; } = 128;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; } = 0.9;
    /// <summary>Applied to conv and linear weights only: decaying norm scales and biases only hurts (Goyal et al., 2017).</summary>
    public double WeightDecay { get; init; } = 5e-5;
    public double LabelSmoothing { get; init; } = 0.1;
    public double WarmupEpochs { get; init; } = 1;
    public AugmentOptions? Augment { get; init; } = new(PadCrop: 2, HorizontalFlip: true);

    /// <summary>
    /// Train on the training and validation images together, as NAS papers retrain a found network on the whole
    /// training set once the search (which rates on the validation images) is done. Epochs then have no validation
    /// accuracy. Left out of the JSON when false, so configurations written before it keep their fingerprints.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool TrainOnValidation { get; init; }

    /// <summary>
    /// Weight of the teacher's soft targets (Hinton et al., 2015) against the labels, 0 = labels only. Used only
    /// when a teacher is given to the trainer (DNA's retraining option).
    /// </summary>
    public double DistillationWeight { get; init; }
    public double Temperature { get; init; } = 4;

    /// <summary>Default decay per optimizer: AdamW's decoupled decay wants a far larger value.</summary>
    public static double DefaultWeightDecay(OptimizerKind kind) => kind == OptimizerKind.AdamW ? 0.05 : 5e-5;
    public static double DefaultLearningRate(OptimizerKind kind) => kind == OptimizerKind.AdamW ? 4e-3 : 0.1;
}
