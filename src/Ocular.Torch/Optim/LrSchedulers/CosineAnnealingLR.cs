namespace Ocular.Torch.Optim.LrSchedulers;

/// <summary>
/// Cosine annealing from each group's initial rate η_max to <see cref="EtaMin"/> over
/// <see cref="TMax"/> epochs (SGDR without restarts, Loshchilov &amp; Hutter 2017), computed as
/// PyTorch 1.13's <c>CosineAnnealingLR.get_lr</c> does — recursively from the current rate, so its
/// numbers (and its behaviour past <see cref="TMax"/>, where the rate climbs back) are PyTorch's:
/// <code>
/// η_t = (1 + cos(π·t/T)) / (1 + cos(π·(t−1)/T)) · (η_{t−1} − η_min) + η_min
/// η_t = η_{t−1} + (η_max − η_min)·(1 − cos(π/T))/2        when (t − 1 − T) mod 2T = 0
/// </code>
/// </summary>
public sealed class CosineAnnealingLR : LrScheduler
{
    /// <summary>Creates the scheduler and performs its initial step.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (tMax <= 0) throw new ArgumentOutOfRangeException(nameof(tMax), tMax, "T_max must be positive");
        TMax = tMax;
        EtaMin = etaMin;
        Initialize();
    }

    /// <summary>The half period, in epochs.</summary>
    public int TMax { get; }

    /// <summary>The lowest learning rate.</summary>
    public double EtaMin { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr()
    {
        var lrs = CurrentLrs();
        var t = LastEpoch;
        if (t == 0) return lrs;
        // Each expression keeps PyTorch's order of operations, so the doubles are bit-identical.
        if (StepCount == 1 && t > 0)
            return BaseLrs.Select(baseLr => EtaMin + (baseLr - EtaMin) * (1 + Math.Cos(t * Math.PI / TMax)) / 2).ToArray();
        if ((t - 1 - TMax) % (2 * TMax) == 0)
            return lrs.Zip(BaseLrs, (lr, baseLr) => lr + (baseLr - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2).ToArray();
        return lrs.Select(lr => (1 + Math.Cos(Math.PI * t / TMax)) / (1 + Math.Cos(Math.PI * (t - 1) / TMax)) * (lr - EtaMin) + EtaMin).ToArray();
    }
}
