using DnaNas.Methods.Dna;
using DnaNas.Methods.OneShot;
using DnaNas.Studies;
using DnaNas.Training;
using DnaNas.Training.Jobs;

namespace DnaNas.Cli;

/// <summary>
/// Every plug-in the tool offers, registered in one place: a new method adds its lines here. Op families, block
/// objectives and rating sources with built-in defaults register themselves; this adds what the CLI knows of.
/// </summary>
internal static class Plugins
{
    public static void Register()
    {
        RatingSources.Register(new DnaRatingSource());
        RatingSources.Register(SupernetRatingSource.Trained);
        RatingSources.Register(SupernetRatingSource.AfterShifting);

        JobKinds.Register(BlockStage.JobKind, (job, progress, cancel) => BlockStage.TrainOne(job, progress, cancel));
        JobKinds.Register(RetrainStage.JobKind, (job, progress, cancel) => RetrainStage.TrainOne(job, progress, cancel));
        JobKinds.Register(GroundTruthRun.JobKind, (job, progress, cancel) => GroundTruthRun.Open(job.RunFolder).TrainOne(job.Index, null, new Reporter<JobProgress>(progress), cancel));
    }
}
