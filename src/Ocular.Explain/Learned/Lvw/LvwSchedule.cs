using System.Globalization;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>The four phases of prototype-network training (reference <c>learnable-visual-words.md</c> §4).</summary>
public enum LvwPhase
{
    /// <summary>Add-on layers and words on a frozen backbone, without the alignment loss.</summary>
    Warm,
    /// <summary>Backbone, add-on layers and words together, with the full loss.</summary>
    Joint,
    /// <summary>The projection of every word onto its closest training patch.</summary>
    Push,
    /// <summary>One pass over the training set training the last layer only.</summary>
    LastLayer,
}

/// <summary>
/// One unit of the schedule: an epoch of warm-up or joint training, a push, or one last-layer iteration. A run
/// checkpoints after every step, so it resumes at any of them (a push or an iteration killed half-way is redone).
/// </summary>
/// <param name="Index">The step's position in the schedule (0-based).</param>
/// <param name="Phase">What the step does.</param>
/// <param name="Epoch">The epoch it belongs to (0-based, as the original's).</param>
/// <param name="Iteration">The last-layer iteration (0-based; 0 for the other phases).</param>
public sealed record LvwStep(int Index, LvwPhase Phase, int Epoch, int Iteration)
{
    /// <summary>The original's checkpoint name: <c>&lt;epoch&gt;nopush</c>, <c>&lt;epoch&gt;push</c>, <c>&lt;epoch&gt;_&lt;i&gt;push</c>.</summary>
    public string Name => Phase switch
    {
        LvwPhase.Push => Epoch.ToString(CultureInfo.InvariantCulture) + "push",
        LvwPhase.LastLayer => $"{Epoch.ToString(CultureInfo.InvariantCulture)}_{Iteration.ToString(CultureInfo.InvariantCulture)}push",
        _ => Epoch.ToString(CultureInfo.InvariantCulture) + "nopush",
    };

    /// <summary>Whether the step trains (warm-up, joint, last layer) rather than pushes.</summary>
    public bool Trains => Phase != LvwPhase.Push;
}

/// <summary>The steps of a run, in order (<c>main_lvw.py</c>'s loop): an epoch, then, at push epochs, the push and the last-layer iterations.</summary>
public static class LvwSchedule
{
    /// <summary>Every step of a run with <paramref name="options"/>.</summary>
    public static IReadOnlyList<LvwStep> Steps(LvwTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var steps = new List<LvwStep>();
        void Add(LvwPhase phase, int epoch, int iteration = 0) => steps.Add(new LvwStep(steps.Count, phase, epoch, iteration));
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            Add(epoch < options.WarmEpochs ? LvwPhase.Warm : LvwPhase.Joint, epoch);
            if (!options.PushesAfter(epoch)) continue;
            Add(LvwPhase.Push, epoch);
            for (var i = 0; i < options.LastLayerIterations; i++) Add(LvwPhase.LastLayer, epoch, i);
        }
        return steps;
    }
}
