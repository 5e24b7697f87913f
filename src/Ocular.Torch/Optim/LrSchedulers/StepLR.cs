namespace Ocular.Torch.Optim.LrSchedulers;

/// <summary>
/// Multiplies each group's learning rate by <see cref="Gamma"/> every <see cref="StepSize"/> epochs
/// (<c>torch.optim.lr_scheduler.StepLR</c>, chainable form).
/// </summary>
public sealed class StepLR : LrScheduler
{
    /// <summary>Creates the scheduler and performs its initial step.</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "the step size must be positive");
        StepSize = stepSize;
        Gamma = gamma;
        Initialize();
    }

    /// <summary>The period of the decay, in epochs.</summary>
    public int StepSize { get; }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr()
    {
        var lrs = CurrentLrs();
        if (LastEpoch == 0 || LastEpoch % StepSize != 0) return lrs;
        return lrs.Select(lr => lr * Gamma).ToArray();
    }
}
