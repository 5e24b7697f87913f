using System.Globalization;
using Ocular.Torch.Optim;
using Ocular.Torch.Optim.LrSchedulers;

namespace Ocular.Vision.Training;

/// <summary>The kinds of learning-rate schedule a training run accepts.</summary>
public enum LrScheduleKind
{
    /// <summary>The learning rate stays at <c>--lr</c>.</summary>
    Constant,
    /// <summary>Multiplied by gamma (0.1) at each milestone epoch (<c>MultiStepLR</c>, stepped per epoch).</summary>
    Step,
    /// <summary>Cosine annealing from <c>--lr</c> to 0 over the run's epochs (<c>CosineAnnealingLR(T_max = epochs)</c>, stepped per epoch).</summary>
    Cosine,
    /// <summary>One cycle with peak <c>--lr</c> over every batch of the run (<c>OneCycleLR</c>, PyTorch's defaults, stepped per batch).</summary>
    OneCycle,
}

/// <summary>
/// A parsed <c>--schedule</c>: <c>constant</c>, <c>step:E1,E2[,gamma=G]</c> (milestones are epoch counts: the rate
/// drops after epoch E1), <c>cosine</c> or <c>onecycle</c>.
/// </summary>
/// <param name="Kind">The kind.</param>
/// <param name="Milestones">The step schedule's milestones (empty for the others).</param>
/// <param name="Gamma">The step schedule's factor.</param>
public sealed record LrSchedule(LrScheduleKind Kind, IReadOnlyList<int> Milestones, double Gamma)
{
    /// <summary>The accepted forms, for messages and help.</summary>
    public const string Accepted = "constant, step:E1,E2[,gamma=G], cosine, onecycle";

    /// <summary>True when the scheduler steps after every batch (one-cycle) rather than after every epoch.</summary>
    public bool StepsPerBatch => Kind == LrScheduleKind.OneCycle;

    /// <summary>True when the schedule's shape depends on the number of epochs (so a run cannot be extended).</summary>
    public bool DependsOnLength => Kind is LrScheduleKind.Cosine or LrScheduleKind.OneCycle;

    /// <summary>Parses a schedule; the message of a bad one names what is accepted.</summary>
    /// <exception cref="ArgumentException">The text is not an accepted schedule.</exception>
    public static LrSchedule Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "constant" or "none": return new(LrScheduleKind.Constant, [], 0.1);
            case "cosine": return new(LrScheduleKind.Cosine, [], 0.1);
            case "onecycle": return new(LrScheduleKind.OneCycle, [], 0.1);
        }
        if (t.StartsWith("step:", StringComparison.Ordinal))
        {
            var milestones = new List<int>();
            var gamma = 0.1;
            foreach (var item in t[5..].Split(',', StringSplitOptions.TrimEntries))
            {
                if (item.StartsWith("gamma=", StringComparison.Ordinal)
                    && double.TryParse(item[6..], NumberStyles.Float, CultureInfo.InvariantCulture, out var g) && g > 0)
                    gamma = g;
                else if (int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m > 0 && (milestones.Count == 0 || m > milestones[^1]))
                    milestones.Add(m);
                else
                    throw new ArgumentException($"schedule '{text}': '{item}' is not an increasing positive epoch or gamma=G; accepted: {Accepted}");
            }
            if (milestones.Count == 0) throw new ArgumentException($"schedule '{text}' lists no milestone epoch; accepted: {Accepted}");
            return new(LrScheduleKind.Step, milestones, gamma);
        }
        throw new ArgumentException($"unknown schedule '{text}'; accepted: {Accepted}");
    }

    /// <summary>Builds the scheduler for <paramref name="optimizer"/> over <paramref name="epochs"/> epochs of <paramref name="batchesPerEpoch"/> batches.</summary>
    public LrScheduler Create(Optimizer optimizer, int epochs, int batchesPerEpoch) => Kind switch
    {
        LrScheduleKind.Constant => new MultiStepLR(optimizer, []),
        LrScheduleKind.Step => new MultiStepLR(optimizer, Milestones, Gamma),
        LrScheduleKind.Cosine => new CosineAnnealingLR(optimizer, epochs),
        LrScheduleKind.OneCycle => new OneCycleLR(optimizer, optimizer.ParamGroups.Select(g => g.Lr).ToArray(), epochs * batchesPerEpoch),
        _ => throw new InvalidOperationException($"unknown schedule kind {Kind}"),
    };

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        LrScheduleKind.Step => $"step:{string.Join(',', Milestones)}" + (Gamma == 0.1 ? "" : $",gamma={Gamma.ToString(CultureInfo.InvariantCulture)}"),
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
