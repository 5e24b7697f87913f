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
    /// and writes them beside the module's own weights, atomically. <see cref="RestoreOptimization(string, Torch.Nn.Module, Optimizer, ILrScheduler)"/> reads them back.
    /// </summary>
    public static void Save(Optimizer optimizer, ILrScheduler scheduler, JsonObject runState,
        Action<IReadOnlyDictionary<string, Tensor>, IReadOnlyDictionary<string, string>> write) =>
        Save([("", optimizer)], [("", scheduler)], runState, write);

    /// <summary>
    /// The same for a run with several optimizers and schedulers (e.g. the warm-up, joint and last-layer optimizers of
    /// prototype networks), each under its own name: its tensors under <c>optimizer.NAME.*</c>, its JSON under
    /// <c>optimizer.NAME</c> and <c>scheduler.NAME</c> (the empty name is the single optimizer's <c>optimizer</c>).
    /// </summary>
    public static void Save(IReadOnlyList<(string Name, Optimizer Optimizer)> optimizers, IReadOnlyList<(string Name, ILrScheduler Scheduler)> schedulers,
        JsonObject runState, Action<IReadOnlyDictionary<string, Tensor>, IReadOnlyDictionary<string, string>> write)
    {
        ArgumentNullException.ThrowIfNull(optimizers);
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(write);
        var states = new List<OptimizerStateDict>();
        try
        {
            using var generator = Generator.Default();
            using var generatorState = generator.GetState();
            var extra = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [GeneratorKey] = generatorState };
            var json = (JsonObject)runState.DeepClone();
            foreach (var (name, optimizer) in optimizers)
            {
                var state = optimizer.StateDict();
                states.Add(state);
                foreach (var (key, tensor) in state.Tensors) extra[TensorPrefix(name) + key] = tensor;
                json[JsonKey("optimizer", name)] = JsonNode.Parse(state.ToJson());
            }
            foreach (var (name, scheduler) in schedulers) json[JsonKey("scheduler", name)] = scheduler.StateDict();
            write(extra, new Dictionary<string, string> { [StateKey] = json.ToJsonString() });
        }
        finally
        {
            foreach (var state in states) state.Dispose();
        }
    }

    private static string TensorPrefix(string name) => name.Length == 0 ? OptimizerPrefix : OptimizerPrefix + name + ".";

    private static string JsonKey(string kind, string name) => name.Length == 0 ? kind : kind + "." + name;

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
    public static JsonObject RestoreOptimization(string path, Torch.Nn.Module model, Optimizer optimizer, ILrScheduler scheduler) =>
        RestoreOptimization(path, model, [("", optimizer)], [("", scheduler)]);

    /// <summary>Restores a checkpoint written with several named optimizers and schedulers (see <see cref="Save(IReadOnlyList{ValueTuple{string, Optimizer}}, IReadOnlyList{ValueTuple{string, ILrScheduler}}, JsonObject, Action{IReadOnlyDictionary{string, Tensor}, IReadOnlyDictionary{string, string}})"/>).</summary>
    public static JsonObject RestoreOptimization(string path, Torch.Nn.Module model, IReadOnlyList<(string Name, Optimizer Optimizer)> optimizers,
        IReadOnlyList<(string Name, ILrScheduler Scheduler)> schedulers)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizers);
        ArgumentNullException.ThrowIfNull(schedulers);
        var json = StateJson(path);
        using var contents = SafeTensors.Load(path);
        var own = model.StateDict();
        var keys = own.Keys.ToHashSet();
        foreach (var t in own.Values) t.Dispose();
        model.LoadStateDict(contents.Tensors.Where(kv => keys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value), strict: true);

        foreach (var (name, optimizer) in optimizers)
        {
            var prefix = TensorPrefix(name);
            // FromJson takes the tensors over; give it copies so that the file's contents can be disposed as a whole. The
            // single optimizer's prefix is a prefix of the named ones': keep only keys without a further name.
            var tensors = contents.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)
                                                       && (name.Length > 0 || optimizers.Count == 1))
                .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value.Clone());
            var text = json[JsonKey("optimizer", name)]?.ToJsonString()
                ?? throw new InvalidDataException($"{path}: no state of the optimizer '{JsonKey("optimizer", name)}' (a checkpoint of another kind of run?)");
            using var optimizerState = OptimizerStateDict.FromJson(text, tensors);
            optimizer.LoadStateDict(optimizerState);
        }
        foreach (var (name, scheduler) in schedulers)
            scheduler.LoadStateDict(json[JsonKey("scheduler", name)]?.AsObject()
                ?? throw new InvalidDataException($"{path}: no state of the scheduler '{JsonKey("scheduler", name)}'"));
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
