namespace Ocular.Torch.Optim.LrSchedulers;

/// <summary>
/// Multiplies each group's learning rate by <see cref="Gamma"/> at each milestone epoch (by γᵏ when a
/// milestone is listed k times), as <c>torch.optim.lr_scheduler.MultiStepLR</c> (chainable form).
/// </summary>
public sealed class MultiStepLR : LrScheduler
{
    private readonly Dictionary<int, int> _milestones = [];

    /// <summary>Creates the scheduler and performs its initial step.</summary>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        // A Counter, as PyTorch: a repeated milestone decays more than once.
        foreach (var m in milestones) _milestones[m] = _milestones.GetValueOrDefault(m) + 1;
        Gamma = gamma;
        Initialize();
    }

    /// <summary>The milestones (with repeats), in increasing order.</summary>
    public IReadOnlyList<int> Milestones => _milestones.OrderBy(kv => kv.Key).SelectMany(kv => Enumerable.Repeat(kv.Key, kv.Value)).ToList();

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<double> ComputeLr()
    {
        var lrs = CurrentLrs();
        if (!_milestones.TryGetValue(LastEpoch, out var count)) return lrs;
        return lrs.Select(lr => lr * Math.Pow(Gamma, count)).ToArray();
    }
}
