using System.Globalization;
using Ocular.Vision.Training;

namespace Ocular.Cli.Rendering;

/// <summary>The text of training logs, shared by the plain and the terminal renderers.</summary>
internal static class TrainingText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Header(TrainingRunInfo run)
    {
        var o = run.Options;
        var optimizer = run.Optimization ?? o.Optimizer.ToLowerInvariant() switch
        {
            "sgd" => $"sgd lr {o.EffectiveLearningRate.ToString(Inv)} momentum {o.Momentum.ToString(Inv)}{(o.Nesterov ? " nesterov" : "")}",
            var name => $"{name} lr {o.EffectiveLearningRate.ToString(Inv)}",
        } + $" wd {o.EffectiveWeightDecay.ToString(Inv)}, schedule {o.Schedule}";
        var trained = run.TrainableParameters == run.Parameters ? "" : $", {run.TrainableParameters.ToString("N0", Inv)} trained";
        return $"run {run.RunDirectory}: {run.Architecture} ({run.Parameters.ToString("N0", Inv)} parameters{trained}) on {o.Data}: " +
               $"{run.TrainImages} train / {Selection(run)}{run.TestImages} test images, {run.ClassNames.Count} classes, input {run.Recipe.InputSize}, " +
               $"augmentation {run.Recipe.Augmentation}; {optimizer}, " +
               $"{o.Epochs} {(run.Optimization is null ? "epochs" : "steps")} of {run.BatchesPerEpoch} batches of {o.BatchSize}; seed {o.Seed}, {run.Threads} threads, {o.Workers} workers, " +
               $"precision {PrecisionJsonConverter.Name(o.Precision)}" +
               (run.StartEpoch > 0 ? $"; resuming after epoch {run.StartEpoch}" : "");
    }

    private static string Selection(TrainingRunInfo run) =>
        run.ValidationImages > 0 ? $"{run.ValidationImages} validation (selects the best epoch) / " : "";

    public static string Epoch(EpochMetrics m)
    {
        var width = m.Epochs.ToString(Inv).Length;
        var validation = double.IsNaN(m.ValidationTop1) ? "" : string.Create(Inv, $"val top-1 {m.ValidationTop1:F2}%  ");
        var what = m.Label is null ? $"epoch {m.Epoch.ToString(Inv).PadLeft(width)}/{m.Epochs}" : $"step {m.Epoch.ToString(Inv).PadLeft(width)}/{m.Epochs} {m.Label,-9}";
        var train = double.IsNaN(m.TrainLoss) ? "" : string.Create(Inv, $"train loss {m.TrainLoss:F4} acc {m.TrainAccuracy:F2}%  ");
        var speed = m.ImagesPerSecond > 0 ? string.Create(Inv, $"{m.ImagesPerSecond:F0} img/s  ") : "";
        return string.Create(Inv,
            $"{what}  {train}{validation}" +
            $"test loss {m.TestLoss:F4} top-1 {m.TestTop1:F2}% top-5 {m.TestTop5:F2}%  lr {m.LearningRate:G4}  " +
            $"{speed}{m.Seconds:F1} s{(m.IsBest ? "  best" : "")}");
    }

    public static string Done(TrainingResult r)
    {
        var best = r.SelectedOn == "test"
            ? $"best test top-1 {r.BestTop1.ToString("F2", Inv)}% at epoch {r.BestEpoch} (selected on the test split)"
            : $"best epoch {r.BestEpoch} (validation top-1 {r.BestTop1.ToString("F2", Inv)}%): test top-1 {r.BestTestTop1.ToString("F2", Inv)}%";
        return r.Epochs.Count == 0
            ? $"the run in {r.RunDirectory} is already complete ({r.CompletedEpochs} epochs; {best})"
            : $"done: {best} → {r.BestCheckpoint}; last → {r.LastCheckpoint}";
    }

    /// <summary>The last line of an L-CAM training.</summary>
    public static string Done(Ocular.Explain.Learned.LCam.LCamTrainingResult r) =>
        r.Epochs.Count == 0
            ? $"the run in {r.RunDirectory} is already complete ({r.CompletedEpochs} epochs)"
            : $"done: best test loss {r.BestLoss.ToString("F4", Inv)} at epoch {r.BestEpoch} → {r.BestCheckpoint}; last → {r.LastCheckpoint}" +
              "  (accuracies above are of the masked inputs against the targets)";

    /// <summary>The last line of a Learnable Visual Words / ProtoPNet training.</summary>
    public static string Done(Ocular.Explain.Learned.Lvw.LvwTrainingResult r)
    {
        var patches = r.DistinctPatches is { } d ? $"; last push: {d} distinct patches" : "";
        var best = r.BestStep is null ? "no step selected yet" : $"best step {r.BestStep} (selection top-1 {r.BestTop1.ToString("F2", Inv)}%): test top-1 {r.BestTestTop1.ToString("F2", Inv)}%";
        return r.Steps.Count == 0
            ? $"the run in {r.RunDirectory} is already complete ({r.StepsDone} steps; {best}{patches})"
            : $"done: {best}{patches} → {r.BestCheckpoint}; last → {r.LastCheckpoint}";
    }

    /// <summary>The last line of a LaViSE explainer training.</summary>
    public static string Done(Ocular.Explain.Learned.Lavise.LaviseTrainingResult r)
    {
        var columns = $"{r.Vocabulary.SeenColumns.Count} of {r.Vocabulary.Columns} label words seen";
        return r.Epochs.Count == 0
            ? $"the run in {r.RunDirectory} is already complete ({r.CompletedEpochs} epochs; {columns})"
            : $"done: best validation loss {r.BestLoss.ToString("F4", Inv)} at epoch {r.BestEpoch} → {r.BestCheckpoint}; last → {r.LastCheckpoint}" +
              $"  ({columns}; accuracies above are word top-1/top-5 over the label words, per concept mask)";
    }
}
