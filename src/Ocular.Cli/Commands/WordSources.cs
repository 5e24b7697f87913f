using System.Globalization;
using Ocular.Explain.Learned.Lvw;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;

namespace Ocular.Cli.Commands;

/// <summary>
/// The training patches a prototype network's words were pushed onto, read back from the run's training data (the data
/// spec its checkpoint records, or <c>--train-data</c>): what <c>ocular words</c> and <c>ocular explain --method lvw</c> show.
/// </summary>
internal sealed class WordSources
{
    private readonly IImageDataset _train;
    private readonly ClassifierMetadata _meta;
    private readonly IReadOnlyList<string> _names;
    private readonly Dictionary<int, byte[]> _patches = [];

    private WordSources(PushResult push, IImageDataset train, ClassifierMetadata meta, IReadOnlyList<string> names, string trainData)
    {
        Push = push;
        _train = train;
        _meta = meta;
        _names = names;
        TrainData = trainData;
    }

    /// <summary>The last push's record.</summary>
    public PushResult Push { get; }

    /// <summary>The training data spec the sources are read from.</summary>
    public string TrainData { get; }

    /// <summary>Opens the sources of the network in <paramref name="modelPath"/>.</summary>
    /// <exception cref="InvalidDataException">The words were never pushed.</exception>
    /// <exception cref="ArgumentException">The checkpoint records no training data and none was given.</exception>
    public static WordSources Open(string modelPath, ClassifierMetadata meta, PrototypeNetwork network, string? trainData)
    {
        var push = LvwCheckpoint.ReadWords(modelPath)
            ?? throw new InvalidDataException($"{modelPath}: its words were never pushed, so they have no source patches; use a checkpoint from after the first push (best.ocular or push-EPOCH.ocular)");
        var spec = trainData ?? RunData(meta) ?? throw new ArgumentException($"{modelPath} does not record its training data; give --train-data");
        var train = DataSpec.Parse(spec).Open(DataSplit.Train);
        if (push.Words.Count != network.NumWords)
            throw new InvalidDataException($"{modelPath}: the push record has {push.Words.Count} words but the network {network.NumWords}");
        var names = meta.ClassNames.Count == network.NumClasses ? meta.ClassNames : train.ClassNames;
        return new WordSources(push, train, meta, names, spec);
    }

    /// <summary>The data spec of the run that trained <paramref name="meta"/>'s network, or null.</summary>
    public static string? RunData(ClassifierMetadata meta) => meta.Training?["options"]?["data"]?.GetValue<string>();

    /// <summary>The class name of label <paramref name="label"/>.</summary>
    public string ClassName(int label) => label >= 0 && label < _names.Count ? _names[label] : label.ToString(CultureInfo.InvariantCulture);

    /// <summary>"file (class)" of word <paramref name="word"/>'s source image.</summary>
    public string Describe(int word)
    {
        var s = Push.Words[word];
        return $"{s.Path ?? "#" + s.Image.ToString(CultureInfo.InvariantCulture)} ({ClassName(s.Label)})";
    }

    /// <summary>The PNG of word <paramref name="word"/>'s source patch (its high-activation crop).</summary>
    /// <exception cref="DatasetException">The training data has fewer images than the source index (another data set than the run's).</exception>
    public byte[] PatchPng(int word)
    {
        if (_patches.TryGetValue(word, out var png)) return png;
        using var image = SourceImage(word);
        using var patch = WordCatalog.Patch(Push.Words[word], image);
        return _patches[word] = ImageIO.EncodePng(patch);
    }

    /// <summary>The source image of word <paramref name="word"/> with the word's similarity laid over it, as a PNG.</summary>
    public byte[] SourceOverlayPng(PrototypeNetwork network, int word)
    {
        using var image = SourceImage(word);
        using var overlay = WordCatalog.Overlay(network, word, image, _meta.Normalization);
        return ImageIO.EncodePng(overlay);
    }

    // Word <paramref name="word"/>'s source image as the push read it ([C, S, S] in [0, 1]).
    private Tensor SourceImage(int word)
    {
        var source = Push.Words[word];
        if (source.Image >= _train.Count)
            throw new DatasetException($"word {source.Word} was pushed onto training image {source.Image}, but '{TrainData}' has {_train.Count}: give the run's training data with --train-data", null);
        using var sample = _train.Get(source.Image);
        return _meta.Preprocessing(normalise: false).Apply(sample.Image);
    }
}
