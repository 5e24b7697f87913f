using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Torch.Optim.LrSchedulers;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;

namespace Ocular.Vision.Training;

/// <summary>Where a run stands after a complete epoch (kept in <c>last.ocular</c>).</summary>
/// <param name="Epoch">Epochs completed (0 before the first).</param>
/// <param name="BestTop1">The best selection top-1 so far (validation, or test with <see cref="TrainingOptions.SelectOnTest"/>), in percent (−1 before the first epoch).</param>
/// <param name="BestEpoch">The epoch that reached it (0 before the first epoch).</param>
/// <param name="BestTestTop1">The test top-1 of that epoch, in percent (−1 before the first epoch).</param>
public sealed record TrainingState(int Epoch, double BestTop1, int BestEpoch, double BestTestTop1);

/// <summary>
/// A classifier checkpoint that can resume training: the model (a normal <see cref="ClassifierCheckpoint"/>, usable
/// by every command), plus the optimizer's state tensors under <c>optimizer.state.*</c>, the global generator's state
/// under <c>generator.default</c> (dropout), and, under the metadata key <see cref="StateKey"/>, the epoch, the best
/// metric, the scheduler's state and the optimizer's JSON document.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The safetensors metadata key of the resume state.</summary>
    public const string StateKey = "ocular.training_state";

    private const string OptimizerPrefix = "optimizer.";
    private const string GeneratorKey = "generator.default";

    /// <summary>Writes the checkpoint atomically.</summary>
    public static void Save(string path, Classifier model, ClassifierMetadata metadata, Optimizer optimizer, ILrScheduler scheduler, TrainingState state) =>
        Save(optimizer, scheduler, new JsonObject { ["epoch"] = state.Epoch, ["best_top1"] = state.BestTop1, ["best_epoch"] = state.BestEpoch, ["best_test_top1"] = state.BestTestTop1 },
            (extra, meta) => ClassifierCheckpoint.Save(path, model, metadata, extra, meta));

    /// <summary>
    /// Writes a resumable checkpoint of any trained module: <paramref name="write"/> receives the extra tensors (the
    /// optimizer's state under <c>optimizer.*</c>, the global generator under <c>generator.default</c>) and the extra
    /// metadata (<see cref="StateKey"/>: <paramref name="runState"/>'s fields, the scheduler's and the optimizer's state)
    /// and writes them beside the module's own weights, atomically. <see cref="RestoreOptimization"/> reads them back.
    /// </summary>
    public static void Save(Optimizer optimizer, ILrScheduler scheduler, JsonObject runState,
        Action<IReadOnlyDictionary<string, Tensor>, IReadOnlyDictionary<string, string>> write)
    {
        using var optimizerState = optimizer.StateDict();
        using var generator = Generator.Default();
        using var generatorState = generator.GetState();
        var extra = optimizerState.Tensors.ToDictionary(kv => OptimizerPrefix + kv.Key, kv => kv.Value);
        extra[GeneratorKey] = generatorState;
        var json = (JsonObject)runState.DeepClone();
        json["scheduler"] = scheduler.StateDict();
        json["optimizer"] = JsonNode.Parse(optimizerState.ToJson());
        write(extra, new Dictionary<string, string> { [StateKey] = json.ToJsonString() });
    }

    /// <summary>Reads the training state of a checkpoint without loading its tensors.</summary>
    /// <exception cref="InvalidDataException">The checkpoint holds no training state (it is a plain classifier checkpoint).</exception>
    public static TrainingState ReadState(string path) => Parse(StateJson(path), path);

    /// <summary>
    /// Restores the model's weights, the optimizer's and the scheduler's state and the global generator from
    /// <paramref name="path"/> (build them as for the run first), and returns the training state.
    /// </summary>
    public static TrainingState Restore(string path, Classifier model, Optimizer optimizer, ILrScheduler scheduler) =>
        Parse(RestoreOptimization(path, model, optimizer, scheduler), path);

    /// <summary>
    /// Restores a checkpoint written by <see cref="Save(Optimizer, ILrScheduler, JsonObject, Action{IReadOnlyDictionary{string, Tensor}, IReadOnlyDictionary{string, string}})"/>:
    /// <paramref name="model"/>'s weights (its state-dict keys, strictly), the optimizer's and the scheduler's state and the
    /// global generator. Returns the run-state JSON (the fields the run saved, plus <c>scheduler</c> and <c>optimizer</c>).
    /// </summary>
    public static JsonObject RestoreOptimization(string path, Torch.Nn.Module model, Optimizer optimizer, ILrScheduler scheduler)
    {
        var json = StateJson(path);
        using var contents = SafeTensors.Load(path);
        var own = model.StateDict();
        var keys = own.Keys.ToHashSet();
        foreach (var t in own.Values) t.Dispose();
        model.LoadStateDict(contents.Tensors.Where(kv => keys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value), strict: true);

        // FromJson takes the tensors over; give it copies so that the file's contents can be disposed as a whole.
        var optimizerTensors = contents.Tensors.Where(kv => kv.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[OptimizerPrefix.Length..], kv => kv.Value.Clone());
        using (var optimizerState = OptimizerStateDict.FromJson(json["optimizer"]!.ToJsonString(), optimizerTensors))
            optimizer.LoadStateDict(optimizerState);
        scheduler.LoadStateDict(json["scheduler"]!.AsObject());
        if (!contents.Tensors.TryGetValue(GeneratorKey, out var generatorState))
            throw new InvalidDataException($"{path}: no '{GeneratorKey}' tensor (the global generator's state)");
        using var generator = Generator.Default();
        generator.SetState(generatorState);
        return json;
    }

    private static JsonObject StateJson(string path)
    {
        var metadata = SafeTensors.ReadMetadata(path);
        if (!metadata.TryGetValue(StateKey, out var text))
            throw new InvalidDataException($"{path}: not a training checkpoint (no '{StateKey}' metadata), so training cannot resume from it");
        return JsonNode.Parse(text)?.AsObject() ?? throw new InvalidDataException($"{path}: empty '{StateKey}' metadata");
    }

    private static TrainingState Parse(JsonObject json, string path)
    {
        try
        {
            // Runs written before model selection on a validation split selected on the test split: both figures are the test's.
            var best = json["best_top1"]!.GetValue<double>();
            return new TrainingState(json["epoch"]!.GetValue<int>(), best, json["best_epoch"]!.GetValue<int>(), json["best_test_top1"]?.GetValue<double>() ?? best);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed '{StateKey}' metadata: {e.Message}", e);
        }
    }
}
