using System.Text.Json.Nodes;

namespace Ocular.Torch.Optim.LrSchedulers;

/// <summary>What every learning-rate scheduler offers: the optimizer it drives, the last rates it set, and its state for resuming.</summary>
public interface ILrScheduler
{
    /// <summary>The optimizer whose groups' <c>lr</c> the scheduler sets.</summary>
    Optimizer Optimizer { get; }

    /// <summary>The learning rate of each group as last set by the scheduler (PyTorch's <c>get_last_lr()</c>).</summary>
    IReadOnlyList<double> GetLastLr();

    /// <summary>
    /// The scheduler's own state as a JSON object (e.g. <c>{"type":"StepLR","last_epoch":5,"step_count":6,
    /// "base_lrs":[0.1],"last_lr":[0.05]}</c>). As in PyTorch, the learning rates themselves and the
    /// entries schedulers add to the groups (<c>initial_lr</c>, …) live in the optimizer's state dict:
    /// save and restore both.
    /// </summary>
    JsonObject StateDict();

    /// <summary>
    /// Restores a state saved by <see cref="StateDict"/> from a scheduler of the same type built with the
    /// same settings (restore the optimizer's state dict too).
    /// </summary>
    void LoadStateDict(JsonObject state);
}
