using Ocular.Torch;

namespace Ocular.Vision.Training;

/// <summary>
/// The arithmetic of a training run (docs/precision.md, "Mixed-precision training"), decided once for every trainer
/// (classifier, L-CAM, LVW/ProtoPNet, LaViSE). In bf16 each trainer runs its forward pass and its loss inside the
/// <see cref="ResolvedPrecision.Enter()"/> scope on the thread that trains (autocast is per thread), takes the loss from
/// float32 outputs, and steps outside the scope: parameters and optimiser state stay float32 (master weights), so a
/// checkpoint is the same file in either precision and a run may change precision when it is resumed
/// (<see cref="ResumeChanges.Reprecision"/>). bfloat16 has float32's exponent range, so no loss scaling is needed.
/// </summary>
public static class TrainingPrecision
{
    /// <summary>
    /// What <paramref name="requested"/> runs as on this processor; its notice (auto fell back to float32, bf16 is
    /// emulated) goes to <paramref name="progress"/> once, from the rank that writes the run directory.
    /// </summary>
    public static ResolvedPrecision Resolve(Precision requested, DistributedRun distributed, ITrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(distributed);
        ArgumentNullException.ThrowIfNull(progress);
        var resolved = ResolvedPrecision.Resolve(requested);
        if (resolved.Notice is { } notice && distributed.Writes) progress.Message(notice);
        return resolved;
    }
}
