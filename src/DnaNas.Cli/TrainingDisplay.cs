using DnaNas.Training;
using Spectre.Console;

namespace DnaNas.Cli;

/// <summary>Shows training progress: a live bar on a terminal, one line per epoch when output is redirected (logs, CI).</summary>
internal static class TrainingDisplay
{
    public static T Run<T>(string title, Func<IProgress<TrainProgress>, T> work)
    {
        if (!LiveBar.Available) return work(new LineProgress(title));
        return LiveBar.Run(title, task => work(new Reporter<TrainProgress>(p =>
        {
            task.MaxValue = (double)p.Epochs * p.Steps;
            task.Value = (double)(p.Epoch - 1) * p.Steps + p.Step;
            task.Description = $"{title} epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:P1} {p.ImagesPerSecond:F0} img/s";
            if (p.Finished is { } e)
                AnsiConsole.MarkupLineInterpolated(
                    $"epoch {e.Epoch}: train loss {e.TrainLoss:F3} acc {e.TrainAccuracy:P2}{e.ValidationSuffix("validation acc")} | {e.ImagesPerSecond:F0} img/s, {e.Seconds:F0} s{e.PeakSuffix()}");
        })));
    }

    private sealed class LineProgress(string title) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress p)
        {
            if (p.Finished is not { } e) return;
            Console.WriteLine(
                $"{title} epoch {e.Epoch}/{p.Epochs}: train loss {e.TrainLoss:F3} acc {e.TrainAccuracy:P2}{e.ValidationSuffix("validation acc")} | " +
                $"{e.ImagesPerSecond:F0} img/s, {e.Seconds:F0} s{e.PeakSuffix()}, elapsed {p.Elapsed:mm\\:ss}");
        }
    }
}

/// <summary>One live progress bar with elapsed and remaining time, for a terminal; logs and CI get lines instead.</summary>
internal static class LiveBar
{
    public static bool Available => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public static T Run<T>(string title, Func<ProgressTask, T> work)
    {
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: 1);
                result = work(task);
                task.Value = task.MaxValue;
            });
        return result;
    }
}
