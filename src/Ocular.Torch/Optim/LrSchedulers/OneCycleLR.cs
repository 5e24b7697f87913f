namespace Ocular.Torch.Optim.LrSchedulers;

/// <summary>How <see cref="OneCycleLR"/> moves between two values.</summary>
public enum AnnealStrategy
{
    /// <summary>Cosine: end + (start − end)/2 · (1 + cos(π·pct)).</summary>
    Cos,
    /// <summary>Linear: start + (end − start)·pct.</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy (Smith &amp; Topin 2017), as <c>torch.optim.lr_scheduler.OneCycleLR</c> (PyTorch
/// 1.13): the rate rises from max_lr/div_factor to max_lr over the first <see cref="PctStart"/> of
/// <see cref="TotalSteps"/>, then falls to initial_lr/final_div_factor (with <see cref="ThreePhase"/>:
/// back to the initial rate symmetrically, then down to the minimum). With momentum cycling the
/// momentum moves inversely between max_momentum and base_momentum — SGD's <c>momentum</c> or Adam's
/// <c>beta1</c>. Step it after every batch. It writes <c>initial_lr</c>, <c>max_lr</c>, <c>min_lr</c>,
/// <c>max_momentum</c> and <c>base_momentum</c> into the groups (saved with the optimizer state).
/// </summary>
public sealed class OneCycleLR : LrScheduler
{
    private const string MaxLrKey = "max_lr";
    private const string MinLrKey = "min_lr";
    private const string MaxMomentumKey = "max_momentum";
    private const string BaseMomentumKey = "base_momentum";

    private readonly record struct Phase(double EndStep, string StartLr, string EndLr, string StartMomentum, string EndMomentum);

    private readonly Phase[] _phases;

    /// <summary>One cycle with the same maximum rate and momentum range for every group; performs the initial step.</summary>
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos,
        bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4,
        bool threePhase = false, int lastEpoch = -1)
        : this(optimizer, Repeat(optimizer, maxLr), totalSteps, pctStart, annealStrategy, cycleMomentum, Repeat(optimizer, baseMomentum),
            Repeat(optimizer, maxMomentum), divFactor, finalDivFactor, threePhase, lastEpoch)
    {
    }

    /// <summary>One cycle with a maximum rate (and optionally a momentum range) per group; performs the initial step.</summary>
    public OneCycleLR(Optimizer optimizer, IReadOnlyList<double> maxLr, int totalSteps, double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos,
        bool cycleMomentum = true, IReadOnlyList<double>? baseMomentum = null, IReadOnlyList<double>? maxMomentum = null, double divFactor = 25,
        double finalDivFactor = 1e4, bool threePhase = false, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "expected a positive number of total steps");
        if (!(pctStart >= 0 && pctStart <= 1)) throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, "expected pct_start between 0 and 1");
        TotalSteps = totalSteps;
        PctStart = pctStart;
        AnnealStrategy = annealStrategy;
        CycleMomentum = cycleMomentum;
        ThreePhase = threePhase;
        _phases = threePhase
            ?
            [
                new(pctStart * totalSteps - 1, ParamGroup.InitialLrKey, MaxLrKey, MaxMomentumKey, BaseMomentumKey),
                new(2 * pctStart * totalSteps - 2, MaxLrKey, ParamGroup.InitialLrKey, BaseMomentumKey, MaxMomentumKey),
                new(totalSteps - 1, ParamGroup.InitialLrKey, MinLrKey, MaxMomentumKey, MaxMomentumKey),
            ]
            :
            [
                new(pctStart * totalSteps - 1, ParamGroup.InitialLrKey, MaxLrKey, MaxMomentumKey, BaseMomentumKey),
                new(totalSteps - 1, MaxLrKey, MinLrKey, BaseMomentumKey, MaxMomentumKey),
            ];

        var groups = optimizer.ParamGroups;
        var maxLrs = PerGroup(optimizer, maxLr, "max_lr");
        if (lastEpoch == -1)
        {
            for (var i = 0; i < groups.Count; i++)
            {
                groups[i][ParamGroup.InitialLrKey] = maxLrs[i] / divFactor;
                groups[i][MaxLrKey] = maxLrs[i];
                groups[i][MinLrKey] = groups[i][ParamGroup.InitialLrKey] / finalDivFactor;
            }
        }

        if (cycleMomentum)
        {
            if (!optimizer.Defaults.ContainsKey(Sgd.MomentumKey) && !optimizer.Defaults.ContainsKey(Adam.Beta1Key))
                throw new ArgumentException($"{optimizer.Name} has no momentum or beta1 to cycle: pass cycleMomentum: false");
            MomentumKey = optimizer.Defaults.ContainsKey(Adam.Beta1Key) ? Adam.Beta1Key : Sgd.MomentumKey;
            var maxMomentums = PerGroup(optimizer, maxMomentum ?? Repeat(optimizer, 0.95), "max_momentum");
            var baseMomentums = PerGroup(optimizer, baseMomentum ?? Repeat(optimizer, 0.85), "base_momentum");
            if (lastEpoch == -1)
            {
                for (var i = 0; i < groups.Count; i++)
                {
                    groups[i][MomentumKey] = maxMomentums[i];
                    groups[i][MaxMomentumKey] = maxMomentums[i];
                    groups[i][BaseMomentumKey] = baseMomentums[i];
                }
            }
        }
        Initialize();
    }

    private static double[] Repeat(Optimizer optimizer, double value) => Enumerable.Repeat(value, optimizer.ParamGroups.Count).ToArray();

    private static IReadOnlyList<double> PerGroup(Optimizer optimizer, IReadOnlyList<double> values, string name) =>
        values.Count == optimizer.ParamGroups.Count
            ? values
            : throw new ArgumentException($"expected {optimizer.ParamGroups.Count} values for {name} (one per parameter group), got {values.Count}");

    /// <summary>The length of the cycle, in steps.</summary>
    public int TotalSteps { get; }

    /// <summary>The fraction of the cycle spent increasing the rate.</summary>
    public double PctStart { get; }

    /// <summary>Cosine or linear annealing.</summary>
    public AnnealStrategy AnnealStrategy { get; }

    /// <summary>True when the momentum (or beta1) is cycled.</summary>
    public bool CycleMomentum { get; }

    /// <summary>True for the three-phase schedule of the original paper.</summary>
    public bool ThreePhase { get; }

    /// <summary>The group option that is cycled: <c>momentum</c> (SGD) or <c>beta1</c> (Adam, AdamW); null without cycling.</summary>
    public string? MomentumKey { get; }

    private double Anneal(double start, double end, double pct)
    {
        if (AnnealStrategy == AnnealStrategy.Cos)
        {
            var cosOut = Math.Cos(Math.PI * pct) + 1;
            return end + (start - end) / 2.0 * cosOut;
        }
        return (end - start) * pct + start;
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr()
    {
        var stepNum = LastEpoch;
        if (stepNum > TotalSteps)
            throw new InvalidOperationException($"Tried to step {stepNum + 1} times. The specified number of total steps is {TotalSteps}");
        var lrs = new List<double>();
        foreach (var group in Optimizer.ParamGroups)
        {
            double startStep = 0, lr = 0, momentum = 0;
            for (var i = 0; i < _phases.Length; i++)
            {
                var phase = _phases[i];
                if (stepNum <= phase.EndStep || i == _phases.Length - 1)
                {
                    var pct = (stepNum - startStep) / (phase.EndStep - startStep);
                    lr = Anneal(group[phase.StartLr], group[phase.EndLr], pct);
                    if (CycleMomentum) momentum = Anneal(group[phase.StartMomentum], group[phase.EndMomentum], pct);
                    break;
                }
                startStep = phase.EndStep;
            }
            lrs.Add(lr);
            if (CycleMomentum) group[MomentumKey!] = momentum;
        }
        return lrs;
    }
}
