using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Torch.Serialization;

namespace Ocular.Vision.Models;

/// <summary>What <see cref="PretrainedWeights.LoadInto"/> did.</summary>
/// <param name="Path">The weights file.</param>
/// <param name="Format"><c>pth</c> or <c>ocular</c>.</param>
/// <param name="LoadedKeys">The number of state-dict entries loaded.</param>
/// <param name="ReplacedHeadClasses">The number of classes of the file's head when it was replaced (its weights not loaded), else null.</param>
public sealed record PretrainedLoadReport(string Path, string Format, int LoadedKeys, int? ReplacedHeadClasses)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"loaded {LoadedKeys} tensors from {Path}" + (ReplacedHeadClasses is { } k ? $"; head replaced ({k} classes in the file)" : "");
}

/// <summary>
/// Loads pre-trained weights — a PyTorch <c>.pth</c> state dict (torchvision's names) or an Ocular classifier
/// checkpoint — into a zoo model for fine-tuning, replacing the head when the number of classes differs:
/// the seeds' "load the ImageNet ResNet-34 and set <c>model.fc = nn.Linear(512, K)</c>". The model's head
/// is left with its own fresh initialisation in that case; every other key must match in name and shape.
/// </summary>
public static class PretrainedWeights
{
    /// <summary>Loads <paramref name="path"/> into <paramref name="model"/> (nothing is loaded when any non-head key mismatches).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The weights do not fit the architecture (the message lists the mismatching keys).</exception>
    public static PretrainedLoadReport LoadInto(Classifier model, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        var ocular = path.EndsWith(".ocular", StringComparison.OrdinalIgnoreCase);
        Dictionary<string, Tensor> weights;
        if (ocular)
        {
            var metadata = ClassifierCheckpoint.ReadMetadata(path);
            if (metadata.Architecture != model.Architecture)
                throw new InvalidDataException($"{path} holds a {metadata.Architecture}, not a {model.Architecture}");
            var contents = SafeTensors.Load(path);
            weights = new Dictionary<string, Tensor>(contents.Tensors);
        }
        else
        {
            weights = PthReader.LoadStateDict(path);
        }
        try
        {
            // Extra tensors of a training checkpoint (optimizer and generator state) are not weights.
            var own = model.StateDict();
            var ownKeys = own.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
            foreach (var t in own.Values) t.Dispose();
            var usable = weights.Where(kv => !ocular || ownKeys.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);

            int? replaced = null;
            var headWeight = model.HeadPath + ".weight";
            var ownHead = new Dictionary<string, Tensor>();
            if (usable.TryGetValue(headWeight, out var w) && ownKeys.TryGetValue(headWeight, out var ownShape) && !w.Shape.SequenceEqual(ownShape))
            {
                // A different number of classes: the model's freshly initialised head stays (it is "loaded" onto itself).
                replaced = checked((int)w.Size(0));
                foreach (var (k, v) in model.Head.StateDict()) ownHead[model.HeadPath + "." + k] = usable[model.HeadPath + "." + k] = v;
            }
            try
            {
                return Load(model, path, usable, replaced, ocular);
            }
            finally
            {
                foreach (var t in ownHead.Values) t.Dispose();
            }
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    private static PretrainedLoadReport Load(Classifier model, string path, Dictionary<string, Tensor> weights, int? replaced, bool ocular)
    {
        try
        {
            model.LoadStateDict(weights, strict: true);
        }
        catch (StateDictMismatchException e)
        {
            var r = e.Report;
            var parts = r.Missing.Take(5).Select(k => "missing " + k)
                .Concat(r.Unexpected.Take(5).Select(k => "unexpected " + k))
                .Concat(r.WrongShape.Take(5).Select(m => $"{m.Key} is {Tensor.ShapeString(m.Found)}, expected {Tensor.ShapeString(m.Expected)}"));
            throw new InvalidDataException(
                $"{path}: the weights do not fit {model.Architecture} ({r.Missing.Count} missing, {r.Unexpected.Count} unexpected, " +
                $"{r.WrongShape.Count} wrongly shaped keys: {string.Join("; ", parts)})", e);
        }
        return new PretrainedLoadReport(path, ocular ? "ocular" : "pth", weights.Count, replaced);
    }
}
