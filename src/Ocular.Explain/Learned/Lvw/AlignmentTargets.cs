using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>What alignment targets were made from; two sets of targets are interchangeable only when every field agrees.</summary>
/// <param name="Data">The data spec (<c>shapes</c>, <c>folder:/data/pets</c>, …).</param>
/// <param name="Split">train or test.</param>
/// <param name="Images">The number of images (a <c>--train-images</c> prefix, or the whole split).</param>
/// <param name="ClassesHash">SHA-256 of the split's class names, in order (a dataset whose classes changed is another data set).</param>
/// <param name="BaseWeightsHash">The base classifier's weights hash (<see cref="ClassifierCheckpoint.WeightsHash"/>).</param>
/// <param name="Layer">The Grad-CAM layer of the base classifier.</param>
/// <param name="InputSize">The side of the images the maps were made at.</param>
/// <param name="Target">Which class each map explains: <c>predicted</c> (the base classifier's top-1, pytorch-grad-cam's default).</param>
public sealed record AlignmentTargetSettings(string Data, string Split, int Images, string ClassesHash, string BaseWeightsHash, string Layer, int InputSize,
    string Target = "predicted")
{
    /// <summary>The method that makes the maps.</summary>
    public string Method { get; init; } = "grad-cam";

    /// <summary>A short key of every field (the cache file's name).</summary>
    [JsonIgnore]
    public string Key => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this))))[..20];

    /// <summary>SHA-256 of class names, in order.</summary>
    public static string HashClasses(IReadOnlyList<string> names) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", names))));

    /// <summary>The fields that differ from <paramref name="other"/>, as "name: this vs other".</summary>
    public IReadOnlyList<string> Differences(AlignmentTargetSettings other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var list = new List<string>();
        void Check(string name, object a, object b)
        {
            if (!Equals(a, b)) list.Add($"{name}: {a} vs {b}");
        }
        Check("data", Data, other.Data);
        Check("split", Split, other.Split);
        Check("images", Images, other.Images);
        static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
        Check("class names (hash)", Short(ClassesHash), Short(other.ClassesHash));
        Check("base classifier weights (hash)", Short(BaseWeightsHash), Short(other.BaseWeightsHash));
        Check("layer", Layer, other.Layer);
        Check("input size", InputSize, other.InputSize);
        Check("target class", Target, other.Target);
        Check("method", Method, other.Method);
        return list;
    }
}

/// <summary>
/// The targets of Learnable Visual Words' alignment loss (reference <c>learnable-visual-words.md</c> §3, defect §8.12):
/// the base classifier's Grad-CAM map of its predicted class at a layer (<c>layer4</c> by default), one [H, W] map in
/// [0, 1] per image of a split, in the split's order. Ocular makes them itself (the original needs a separate script and
/// a <c>.npy</c> in ImageFolder order) and caches them in a safetensors file with their settings, which a run refuses
/// when any setting differs. Stored as float16 (a map in [0, 1] to about 3 decimals) to halve their memory.
/// </summary>
public sealed class AlignmentTargets : IDisposable
{
    /// <summary>The safetensors metadata key of the settings.</summary>
    public const string MetadataKey = "ocular.alignment_targets";

    private const string MapsKey = "maps";

    private AlignmentTargets(Tensor maps, AlignmentTargetSettings settings, string path)
    {
        Maps = maps;
        Settings = settings;
        Path = path;
    }

    /// <summary>The maps [N, H, W], float16, in the split's order.</summary>
    public Tensor Maps { get; }

    /// <summary>What they were made from.</summary>
    public AlignmentTargetSettings Settings { get; }

    /// <summary>The file they are stored in.</summary>
    public string Path { get; }

    /// <summary>The number of maps.</summary>
    public int Count => checked((int)Maps.Size(0));

    /// <summary>The maps of the images at <paramref name="indices"/> (positions in the split), float32 [n, H, W].</summary>
    public Tensor Get(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        using var scope = DisposeScope.Enter();
        using var index = Tensor.FromArray([.. indices.Select(i => (long)i)], indices.Count);
        return scope.Keep(Maps.IndexSelect(0, index).To(ScalarType.Float32));
    }

    /// <summary>
    /// Loads the targets of <paramref name="settings"/> from <paramref name="path"/>, or, when the file does not exist,
    /// computes them with <paramref name="compute"/> and writes the file atomically.
    /// </summary>
    /// <exception cref="InvalidDataException">The file holds targets made with other settings (the message names each difference).</exception>
    public static AlignmentTargets LoadOrCompute(string path, AlignmentTargetSettings settings, Func<Tensor> compute)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(compute);
        if (File.Exists(path)) return Load(path, settings);
        var maps = compute();
        try
        {
            if (maps.Dim != 3 || maps.Size(0) != settings.Images)
                throw new InvalidOperationException($"alignment targets: expected {settings.Images} maps [N, H, W], got {Tensor.ShapeString(maps.Shape)}");
            using var half = maps.To(ScalarType.Float16);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            SafeTensors.Save(path, new Dictionary<string, Tensor> { [MapsKey] = half },
                new Dictionary<string, string> { [MetadataKey] = JsonSerializer.Serialize(settings) });
        }
        finally
        {
            maps.Dispose();
        }
        return Load(path, settings);
    }

    /// <summary>Loads targets and checks that they were made with <paramref name="expected"/> (null: any settings).</summary>
    /// <exception cref="InvalidDataException">Not a targets file, or made with other settings.</exception>
    public static AlignmentTargets Load(string path, AlignmentTargetSettings? expected = null)
    {
        var meta = SafeTensors.ReadMetadata(path);
        if (!meta.TryGetValue(MetadataKey, out var json))
            throw new InvalidDataException($"{path}: not an Ocular alignment-targets file (no '{MetadataKey}' metadata)");
        var settings = JsonSerializer.Deserialize<AlignmentTargetSettings>(json)
            ?? throw new InvalidDataException($"{path}: empty '{MetadataKey}' metadata");
        if (expected is not null && settings.Differences(expected) is { Count: > 0 } differences)
            throw new InvalidDataException($"{path}: these alignment targets were made with other settings than this run's ({string.Join("; ", differences)}); " +
                                           "delete the file or choose another --targets-cache to make new ones");
        using var contents = SafeTensors.Load(path);
        if (!contents.Tensors.TryGetValue(MapsKey, out var maps) || maps.Dim != 3 || maps.Size(0) != settings.Images)
            throw new InvalidDataException($"{path}: expected a '{MapsKey}' tensor of {settings.Images} maps [N, H, W]");
        return new AlignmentTargets(maps.Clone(), settings, System.IO.Path.GetFullPath(path));
    }

    /// <summary>
    /// Grad-CAM maps of <paramref name="baseModel"/> for its predicted class at <paramref name="layer"/>, for every image of
    /// <paramref name="dataset"/> read with <paramref name="transform"/> (normalised as the base classifier expects), in order:
    /// float32 [N, H, W] in [0, 1] (Ocular's post-processing: ReLU, bilinear upsampling, per-image min–max).
    /// </summary>
    public static Tensor Compute(Classifier baseModel, IImageDataset dataset, Vision.Transforms.ITransform transform, string layer, int batchSize, int workers,
        Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        ArgumentNullException.ThrowIfNull(dataset);
        using var explainer = ExplainerRegistry.Create("grad-cam", baseModel, new ExplainerOptions { Layers = [layer], BatchSize = batchSize });
        var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = batchSize, Workers = workers, Transform = transform });
        var maps = new List<Tensor>();
        try
        {
            var done = 0;
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = DisposeScope.Enter();
                    Tensor predicted;
                    using (Autograd.NoGrad()) predicted = baseModel.Forward(batch.Images).Argmax(1);
                    maps.Add(scope.Keep(explainer.Explain(batch.Images, predicted)));
                    done += batch.Count;
                    progress?.Invoke(done, dataset.Count);
                }
            }
            if (maps.Count == 0) throw new DatasetException("alignment targets: the data set has no image", null);
            return Tensor.Cat(maps, 0);
        }
        finally
        {
            foreach (var m in maps) m.Dispose();
        }
    }

    /// <summary>Frees the maps.</summary>
    public void Dispose() => Maps.Dispose();
}
