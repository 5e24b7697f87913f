namespace Ocular.Torch.Optim.LrSchedulers;

/// <summary>Multiplies each group's learning rate by <see cref="Gamma"/> every epoch (<c>torch.optim.lr_scheduler.ExponentialLR</c>, chainable form).</summary>
public sealed class ExponentialLR : LrScheduler
{
    /// <summary>Creates the scheduler and performs its initial step.</summary>
    public ExponentialLR(Optimizer optimizer, double gamma, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        Gamma = gamma;
        Initialize();
    }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr()
    {
        var lrs = CurrentLrs();
        if (LastEpoch == 0) return lrs;
        return lrs.Select(lr => lr * Gamma).ToArray();
    }
}
