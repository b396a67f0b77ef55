using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DnaNas.Training;

/// <summary>Builds optimizers whose weight decay skips batch-norm parameters and biases (every 1-D parameter).</summary>
public static class Optimizers
{
    public static OptimizerHelper Create(nn.Module model, TrainRecipe recipe)
    {
        var decayed = new List<Parameter>();
        var undecayed = new List<Parameter>();
        foreach (var p in model.parameters()) (p.dim() > 1 ? decayed : undecayed).Add(p);
        return recipe.Optimizer switch
        {
            OptimizerKind.Sgd => optim.SGD(
                [
                    new SGD.ParamGroup(decayed, lr: recipe.LearningRate, momentum: recipe.Momentum, weight_decay: recipe.WeightDecay, nesterov: true),
                    new SGD.ParamGroup(undecayed, lr: recipe.LearningRate, momentum: recipe.Momentum, weight_decay: 0, nesterov: true),
                ], recipe.LearningRate, recipe.Momentum, nesterov: true),
            OptimizerKind.AdamW => optim.AdamW(
                [
                    new AdamW.ParamGroup(decayed, lr: recipe.LearningRate, weight_decay: recipe.WeightDecay),
                    new AdamW.ParamGroup(undecayed, lr: recipe.LearningRate, weight_decay: 0),
                ], recipe.LearningRate),
            _ => throw new ArgumentOutOfRangeException(nameof(recipe)),
        };
    }

    public static void SetLearningRate(optim.Optimizer optimizer, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
    }
}
