using Ocular.Bench.Harness;
using Ocular.Explain.Semantics;
using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Bench.Suites;

/// <summary>
/// The lavise suite (issue 16): LaViSE (reference <c>lavise.md</c>) on a torchvision ResNet-18 at 224×224, explained at
/// <c>layer4</c> (d = 512, h′×w′ = 7×7) into a 300-d word space, against the original code (bench/python/lavise.py runs
/// train_explainer.py, train_helpers.py, model_loader.py, image_datasets.py and infer_filter.py from <c>$LAVISE</c>).
/// Every side builds the network with seeded random weights (seed 0; the ImageNet weights of the original's
/// <c>pretrained=True</c> are not available here) and draws the same synthetic data and words from libtorch generators
/// (<see cref="LaviseConceptImages"/>; the JSON lines' <c>inputs_sum</c>, <c>mask_pixels</c>, <c>concepts_sum</c> and
/// <c>words_sum</c> are equal on all sides). No file is read and no image decoded in a timed region.
/// <para>
/// <b><c>lavise_resnet18_train_step_224_b16</c></b> (images/s): one training step on 16 images with one concept mask each,
/// the path of LaViSE's trainer when it augments (<c>LaviseSession.TrainAugmented</c>): a <see cref="Vision.Data.DataLoader"/>
/// batch of the in-memory images, <see cref="Explain.Learned.Lavise.ConceptPairs.FromBatch"/> (the frozen network to
/// layer4 without gradients, the masks brought to 7×7, avgpool(F ⊙ M)), then <see cref="LaviseExplainerStep"/>: the
/// explainer MLP in training mode, the CSMR loss against COCO's L = 102 label columns (the 91 names split into words,
/// §3.2) with multi-hot targets, backward, Adam (lr 1e-4).
/// </para>
/// <para>
/// <b><c>lavise_resnet18_train_epochs_cached_n256_e3</c></b> (pairs/s over the whole run, target ≥ 5): 3 epochs (the
/// original's default) over 256 images × 1 mask at batch 16: the pair cache built once (<see cref="Explain.Learned.Lavise.ConceptPairs.Build"/>,
/// float16, counted in the time), then the explainer epochs from it in a seeded order per epoch, as the trainer's cached
/// path. The original recomputes the frozen network every epoch. The JSON line also carries the build time and the
/// steady-state epoch (<c>build_s</c>, <c>epoch_s</c>, <c>epoch_pairs_per_s</c>).
/// </para>
/// <para>
/// <b><c>lavise_resnet18_explain_all_filters_n200</c></b> (filters/s, target ≥ 5): every one of the 512 filters of layer4
/// explained with p = 25 top images over the same 200 reference images, the projection method (the code's filter
/// attention), s = 5 words per image, x = 10 words per filter, each image's words repeated ⌊max activation⌋ times as the
/// original (§8.11), against V = 20,000 random 300-d words: <see cref="Explain.Learned.Lavise.FilterStatistics.Compute"/>
/// (one pass: T_u, every image's maxima, and the feature maps kept in memory) and <see cref="Explain.Learned.Lavise.FilterExplainer.Explain"/>
/// (each top image read once for its concept masks, its kept features reused, all its filters batched; recall@5 computed on the side). A <c>--quick</c> run explains the
/// first 32 filters only (the plan's <c>n</c>).
/// </para>
/// <para>
/// <b><c>lavise_topk_400k_300_b25</c></b> (ms/batch): <see cref="WordEmbeddings.Nearest"/> of 25 queries, k = 20, in a
/// 400,000 × 300 table of normalised random vectors (<see cref="WordEmbeddings.FromVectors"/>, GloVe 6B-300d's size).
/// </para>
/// <para>
/// Sanity values, so that a broken side cannot report a good number: the training workloads throw unless the loss is
/// finite and the explainer's weights moved; the filter workload unless every filter got words; the JSON lines carry the
/// loss, the word accuracies, the explanations' word counts, the top-1 rows of the queries and the inputs' checksums.
/// </para>
/// </summary>
public sealed partial class LaviseSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "lavise";

    /// <inheritdoc/>
    public override string Description => "LaViSE on ResNet-18 layer4 at 224²: explainer step b16, 3 cached epochs of 256, all 512 filters over 200 images, 400K×300 top-20 (peak memory)";

    private const string Architecture = "resnet18";
    private const string Layer = "layer4";
    private const int Size = 224;
    private const int ImageNetClasses = 1000;
    private const int EmbeddingDimension = 300;
    private const double LearningRate = 1e-4;

    /// <summary>
    /// COCO's 91 category names in category-id order, as the keys of the original's <c>data/coco/coco_label_embedding.pth</c>
    /// (<c>stoi</c>): the 80 of COCO 2017 and the 11 unused ids. Split into words they make the 102 label columns (§3.2).
    /// </summary>
    internal static IReadOnlyList<string> CocoLabelNames { get; } =
    [
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light", "fire hydrant",
        "street sign", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear",
        "zebra", "giraffe", "hat", "backpack", "umbrella", "shoe", "eyeglasses", "handbag", "tie", "suitcase", "frisbee", "skis",
        "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
        "plate", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot",
        "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed", "mirror", "dining table", "window", "desk",
        "toilet", "door", "tv", "laptop", "mouse", "remote", "keyboard", "cellphone", "microwave", "oven", "toaster", "sink",
        "refrigerator", "blender", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush", "hairbrush",
    ];

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads() =>
    [
        new($"lavise_{Architecture}_train_step_{Size}_b{TrainBatch}", Units.ImagesPerSecond, new(Warmup: 1, Repeat: 5), new(Warmup: 1, Repeat: 2), TrainStep, 1.0),
        new($"lavise_{Architecture}_train_epochs_cached_n{EpochImages}_e{Epochs}", PairsPerSecond, new(Warmup: 0, Repeat: 1), new(Warmup: 0, Repeat: 1), TrainEpochsCached, 5.0),
        new($"lavise_{Architecture}_explain_all_filters_n{ReferenceImages}", FiltersPerSecond, new(Warmup: 0, Repeat: 1, PerSample: Filters),
            new(Warmup: 0, Repeat: 1, PerSample: QuickFilters), ExplainAllFilters, 5.0),
        new($"lavise_topk_{VocabularyRows / 1000}k_{EmbeddingDimension}_b{Queries}", MillisecondsPerBatch, new(Warmup: 2, Repeat: 10), new(Warmup: 1, Repeat: 3), TopK),
    ];

    /// <summary>Concept–mask pairs per second (a throughput).</summary>
    private const string PairsPerSecond = "pairs/s";

    /// <summary>Filters explained per second (a throughput).</summary>
    private const string FiltersPerSecond = "filters/s";

    /// <summary>Milliseconds per batch of queries (a time).</summary>
    private const string MillisecondsPerBatch = "ms/batch";

    /// <summary>The zoo's ResNet-18 (torchvision's layout and initialisation), seed 0, in evaluation mode.</summary>
    private static Classifier BuildClassifier()
    {
        Engine.ManualSeed(0);
        return ModelZoo.Create(Architecture, ImageNetClasses);
    }

    /// <summary>
    /// <paramref name="count"/> words <c>w000000</c>, <c>w000001</c>, … with standard-normal vectors from a generator
    /// seeded <paramref name="seed"/> (normalised by the table); the twin draws the same.
    /// </summary>
    private static WordEmbeddings RandomWords(IReadOnlyList<string> words, ulong seed, string source)
    {
        using var generator = new Generator(seed);
        using var vectors = Tensor.Randn([words.Count, EmbeddingDimension], generator);
        return WordEmbeddings.FromVectors(words, vectors, source);
    }

    // The sum of a tensor's values in float64: the same number on both sides when both drew the same values.
    private static double Sum(Tensor t)
    {
        using var wide = t.To(ScalarType.Float64);
        using var sum = wide.Sum();
        return sum.Item<double>();
    }

    // The sum of all parameters of a module in float64: equal on both sides when their initialisations drew the same values.
    private static double ParametersSum(Ocular.Torch.Nn.Module module) => module.Parameters().Sum(p => Sum(p));

    // The same over the frozen network's parameters, conv1 … layer4 (not the classifier's head).
    private static double TrunkSum(Classifier classifier) =>
        classifier.NamedParameters().Where(p => !p.Path.StartsWith($"{classifier.HeadPath}.", StringComparison.Ordinal)).Sum(p => Sum(p.Parameter));
}
