namespace DnaNas.Training;

/// <summary>Linear warm-up from near zero to the peak, then cosine decay to zero, evaluated per step.</summary>
public sealed class LearningRateSchedule(double peak, long warmupSteps, long totalSteps)
{
    public double At(long step)
    {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        long decaySteps = Math.Max(1, totalSteps - warmupSteps);
        double progress = Math.Min(1.0, (double)(step - warmupSteps) / decaySteps);
        return 0.5 * peak * (1 + Math.Cos(Math.PI * progress));
    }
}
