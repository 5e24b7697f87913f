using System.Text.Json.Nodes;

namespace Ocular.Torch.Optim.LrSchedulers;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> watches a quantity that should fall or rise.</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (a loss).</summary>
    Min,
    /// <summary>Higher is better (an accuracy).</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> measures a significant improvement.</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better than best·(1 ∓ threshold).</summary>
    Rel,
    /// <summary>Absolute: better than best ∓ threshold.</summary>
    Abs,
}

/// <summary>
/// Reduces every group's learning rate by <see cref="Factor"/> when a metric has not improved for more
/// than <see cref="Patience"/> steps, as <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c> (PyTorch 1.13):
/// after a reduction it waits <see cref="Cooldown"/> steps before counting bad steps again, never goes
/// below each group's minimum rate, and ignores a reduction smaller than <see cref="Eps"/>.
/// </summary>
public sealed class ReduceLROnPlateau : ILrScheduler
{
    private readonly double[] _minLrs;
    private double[]? _lastLr;

    /// <summary>Creates the scheduler (no step is taken until a metric is given).</summary>
    /// <param name="optimizer">The optimizer whose learning rates are reduced.</param>
    /// <param name="mode">Whether the metric should fall or rise.</param>
    /// <param name="factor">new lr = lr · factor; must be &lt; 1.</param>
    /// <param name="patience">The number of steps without improvement tolerated before a reduction.</param>
    /// <param name="threshold">The margin of a significant improvement.</param>
    /// <param name="thresholdMode">Relative or absolute margin.</param>
    /// <param name="cooldown">Steps after a reduction during which bad steps are not counted.</param>
    /// <param name="minLr">The lowest learning rate of every group.</param>
    /// <param name="minLrs">The lowest learning rate per group (overrides <paramref name="minLr"/>).</param>
    /// <param name="eps">A reduction smaller than this is skipped.</param>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10, double threshold = 1e-4,
        ThresholdMode thresholdMode = ThresholdMode.Rel, int cooldown = 0, double minLr = 0, IReadOnlyList<double>? minLrs = null, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(factor < 1.0)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "the factor must be < 1.0");
        if (minLrs is not null && minLrs.Count != optimizer.ParamGroups.Count)
            throw new ArgumentException($"expected {optimizer.ParamGroups.Count} minimum learning rates (one per group), got {minLrs.Count}", nameof(minLrs));
        Optimizer = optimizer;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        _minLrs = minLrs?.ToArray() ?? Enumerable.Repeat(minLr, optimizer.ParamGroups.Count).ToArray();
        Reset();
    }

    /// <inheritdoc/>
    public Optimizer Optimizer { get; }

    /// <summary>Whether the metric should fall or rise.</summary>
    public PlateauMode Mode { get; }
    /// <summary>The reduction factor.</summary>
    public double Factor { get; }
    /// <summary>Steps without improvement tolerated before a reduction.</summary>
    public int Patience { get; }
    /// <summary>The margin of a significant improvement.</summary>
    public double Threshold { get; }
    /// <summary>Relative or absolute margin.</summary>
    public ThresholdMode ThresholdMode { get; }
    /// <summary>Steps after a reduction during which bad steps are not counted.</summary>
    public int Cooldown { get; }
    /// <summary>The smallest reduction applied.</summary>
    public double Eps { get; }
    /// <summary>The lowest learning rate of each group.</summary>
    public IReadOnlyList<double> MinLrs => _minLrs;

    /// <summary>The best metric so far (±∞ before the first step).</summary>
    public double Best { get; private set; }
    /// <summary>Consecutive steps without a significant improvement.</summary>
    public int NumBadEpochs { get; private set; }
    /// <summary>Steps left in the current cool-down.</summary>
    public int CooldownCounter { get; private set; }
    /// <summary>The number of steps taken.</summary>
    public int LastEpoch { get; private set; }

    private double ModeWorse => Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    private void Reset()
    {
        Best = ModeWorse;
        CooldownCounter = 0;
        NumBadEpochs = 0;
    }

    /// <summary>Feeds the metric of the epoch that just ended, and reduces the rates when it has stalled.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            NumBadEpochs = 0; // ignore any bad epochs in cool-down
        }
        if (NumBadEpochs > Patience)
        {
            ReduceLr();
            CooldownCounter = Cooldown;
            NumBadEpochs = 0;
        }
        _lastLr = Optimizer.ParamGroups.Select(g => g.Lr).ToArray();
    }

    private void ReduceLr()
    {
        var groups = Optimizer.ParamGroups;
        for (var i = 0; i < groups.Count; i++)
        {
            var oldLr = groups[i].Lr;
            var newLr = Math.Max(oldLr * Factor, _minLrs[i]);
            if (oldLr - newLr > Eps) groups[i].Lr = newLr;
        }
    }

    private bool IsBetter(double a, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => a < best * (1.0 - Threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => a < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => a > best * (Threshold + 1.0),
        _ => a > best + Threshold,
    };

    /// <summary>The learning rates after the last step (the groups' current rates before any step).</summary>
    public IReadOnlyList<double> GetLastLr() => _lastLr ?? Optimizer.ParamGroups.Select(g => g.Lr).ToArray();

    /// <summary>
    /// <c>{"type":"ReduceLROnPlateau","best":0.42,"num_bad_epochs":1,"cooldown_counter":0,"last_epoch":7,"last_lr":[…]}</c>;
    /// <c>best</c> is null before the first step (JSON has no infinity).
    /// </summary>
    public JsonObject StateDict() => new()
    {
        ["type"] = nameof(ReduceLROnPlateau),
        ["best"] = double.IsInfinity(Best) ? null : JsonValue.Create(Best),
        ["num_bad_epochs"] = NumBadEpochs,
        ["cooldown_counter"] = CooldownCounter,
        ["last_epoch"] = LastEpoch,
        ["last_lr"] = _lastLr is null ? null : LrScheduler.ToJsonArray(_lastLr),
    };

    /// <inheritdoc/>
    public void LoadStateDict(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var type = SchedulerState.Get<string>(state, "type");
        if (type != nameof(ReduceLROnPlateau)) throw new ArgumentException($"the scheduler state is of a {type}, not {nameof(ReduceLROnPlateau)}");
        var best = state.TryGetPropertyValue("best", out var b) && b is not null ? SchedulerState.Get<double>(state, "best") : ModeWorse;
        var lastLr = state.TryGetPropertyValue("last_lr", out var l) && l is not null ? SchedulerState.Doubles(state, "last_lr") : null;
        NumBadEpochs = SchedulerState.Get<int>(state, "num_bad_epochs");
        CooldownCounter = SchedulerState.Get<int>(state, "cooldown_counter");
        LastEpoch = SchedulerState.Get<int>(state, "last_epoch");
        Best = best;
        _lastLr = lastLr;
    }
}
