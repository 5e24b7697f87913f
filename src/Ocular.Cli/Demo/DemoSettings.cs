using Ocular.Explain;
using Ocular.Explain.Learned.LCam;
using Ocular.Vision.Training;

namespace Ocular.Cli.Demo;

/// <summary>
/// What <c>ocular demo</c> runs, for a data set and a size: the classifier's training, the images explained
/// and evaluated, and the explainers' settings. The full demo finishes within 10 minutes on 2 cores, the quick
/// one within 2 (docs/demo.md has the measured times).
/// </summary>
internal sealed record DemoSettings
{
    /// <summary>The data sets the demo runs on.</summary>
    public static readonly IReadOnlyList<string> DataSets = ["shapes", "fashion-mnist"];

    /// <summary><c>shapes</c> or <c>fashion-mnist</c>.</summary>
    public required string Data { get; init; }

    /// <summary>The smaller settings of <c>--quick</c>.</summary>
    public bool Quick { get; init; }

    /// <summary>The seed of every stage.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// The arithmetic asked for (docs/precision.md): auto by default — the perturbation methods and the metrics' scoring in
    /// bfloat16 where the processor computes it natively — while the demo's training stays float32 unless bf16 is asked, so
    /// that its trained models are the same on every machine.
    /// </summary>
    public Ocular.Torch.Precision Precision { get; init; } = Ocular.Torch.Precision.Auto;

    /// <summary>The training runs' precision: bf16 only when asked for by name (auto keeps the demo's training float32).</summary>
    public Ocular.Torch.Precision TrainingPrecision => Precision == Ocular.Torch.Precision.Bf16 ? Ocular.Torch.Precision.Bf16 : Ocular.Torch.Precision.Fp32;

    /// <summary>libtorch's threads (recorded for reproducibility).</summary>
    public int Threads { get; init; }

    /// <summary>The data specification (<see cref="Ocular.Vision.Datasets.DataSpec"/>) of the demo's data.</summary>
    public string DataSpec => (Data, Quick) switch
    {
        ("shapes", false) => $"shapes:seed={Seed}",
        ("shapes", true) => $"shapes:count=4000,test-count=500,seed={Seed}",
        ("fashion-mnist", _) => "fashion-mnist",
        _ => throw new ArgumentException($"--data '{Data}': the demo runs on {string.Join(" or ", DataSets)}"),
    };

    /// <summary>Whether the data has ground-truth evidence masks (pointing game, energy-based pointing game).</summary>
    public bool HasMasks => Data == "shapes";

    /// <summary>The classifier's training: the compact CNN with a one-cycle schedule (100 % test top-1 on Shapes in 2 epochs).</summary>
    public TrainingOptions Classifier(string outputDirectory) => new()
    {
        Data = DataSpec,
        Architecture = "compact_cnn",
        Epochs = Data == "fashion-mnist" && Quick ? 1 : Quick ? 3 : 2,
        BatchSize = 64,
        LearningRate = 0.1,
        Schedule = "onecycle",
        WeightDecay = 5e-4,
        Augment = "none",
        Seed = Seed,
        OutputDirectory = outputDirectory,
        Precision = TrainingPrecision,
    };

    /// <summary>The L-CAM variants the demo trains.</summary>
    /// <summary>The classifiers with a built-in map the demo trains beside the compact CNN.</summary>
    public static readonly IReadOnlyList<string> AttentionMethods = [Vision.Models.Attention.LfiCam.MethodName, Vision.Models.Attention.Abn.MethodName];

    /// <summary>
    /// An LFI-CAM or ABN compact CNN, trained as the classifier (<see cref="Classifier"/>) but on the first
    /// <see cref="AttentionTrainImages"/> training images: LFI-CAM's FIN costs about five times the compact CNN's forward
    /// pass, and the demo must stay a demo. Their accuracy is therefore not comparable with the classifier's (docs/lficam.md
    /// has the study where they are trained alike).
    /// </summary>
    public TrainingOptions AttentionClassifier(string method, string outputDirectory) => Classifier(outputDirectory) with
    {
        Architecture = Vision.Models.Attention.AttentionArchitectures.Name("compact_cnn", method),
        TrainImages = AttentionTrainImages,
    };

    /// <summary>The training images of the LFI-CAM and ABN classifiers.</summary>
    public int AttentionTrainImages => Quick ? 500 : 2000;

    public static readonly IReadOnlyList<string> LCamVariants = ["fm", "img"];

    /// <summary>The prototype networks the demo trains on the classifier: Learnable Visual Words and ProtoPNet.</summary>
    public static readonly IReadOnlyList<string> PrototypeModes = ["lvw", "protopnet"];

    /// <summary>
    /// A Learnable Visual Words or ProtoPNet network on the classifier at <paramref name="baseClassifier"/> (its trunk, its
    /// Grad-CAM maps as LVW's alignment targets), on the first <see cref="PrototypeTrainImages"/> training images, with a
    /// shortened schedule: <see cref="PrototypeEpochs"/> epochs (the original's 201), 3 warm-up epochs (10), pushes after
    /// epochs 5 and 10 (every 10th from 10), 2 last-layer passes after each (20); the original's learning rates. LVW
    /// needs a few hundred optimiser steps before its shared words separate the classes, so the quick demo takes batches
    /// of 16 on 1000 images rather than fewer, larger steps. The alignment targets are cached in the demo's folder.
    /// docs/lvw.md has the longer runs.
    /// </summary>
    public Explain.Learned.Lvw.LvwTrainingOptions Prototypes(string mode, string baseClassifier, string outputDirectory) => new()
    {
        BaseClassifier = baseClassifier,
        Data = DataSpec,
        Mode = mode,
        TrainImages = PrototypeTrainImages,
        TestImages = Quick ? 200 : 500,
        Epochs = PrototypeEpochs,
        WarmEpochs = Quick ? 2 : 3,
        PushStart = Quick ? 4 : 5,
        PushEvery = Quick ? 4 : 5,
        LastLayerIterations = 2,
        BatchSize = Quick ? 16 : 32,
        TargetsCache = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputDirectory))!, "alignment-targets"),
        Seed = Seed,
        OutputDirectory = outputDirectory,
        Precision = TrainingPrecision,
    };

    /// <summary>
    /// LaViSE's explainer for the classifier's default layer (<c>block4</c>), trained on Shapes' concept masks (the demo's
    /// data when it has them) with Ocular's default word vectors, the features cached: the first
    /// <see cref="LaviseTrainImages"/> training images, 70 % of the concept words seen.
    /// </summary>
    public Explain.Learned.Lavise.LaviseTrainingOptions Lavise(string classifier, string? embeddings, string outputDirectory) => new()
    {
        Classifier = classifier,
        Embeddings = embeddings,
        Data = DataSpec,
        TrainImages = LaviseTrainImages,
        TestImages = Quick ? 200 : 500,
        Epochs = Quick ? 10 : 20,
        LearningRate = 1e-3,
        Seed = Seed,
        OutputDirectory = outputDirectory,
        Precision = TrainingPrecision,
    };

    /// <summary>
    /// The word vectors of the demo's LaViSE explainer: Ocular's default (fastText skip-gram on the WordNet glosses, 300-d,
    /// built once per machine in about 7 minutes, then cached), also for the quick demo: a 100-d, 2-epoch build of the
    /// same corpus answers every filter with frequent words ("time", "position") and a recall near 0 (docs/lavise.md).
    /// </summary>
    public Explain.Semantics.WordVectorSettings WordVectors => Explain.Semantics.WordVectorSettings.Default;

    /// <summary>The training images of the demo's LaViSE explainer.</summary>
    public int LaviseTrainImages => Quick ? 1000 : 3000;

    /// <summary>The reference images whose filters' top images and recall the demo computes.</summary>
    public int LaviseReferenceImages => Quick ? 200 : 500;

    /// <summary>The epochs of the demo's prototype networks.</summary>
    public int PrototypeEpochs => Quick ? 9 : 11;

    /// <summary>The training images of the demo's prototype networks.</summary>
    public int PrototypeTrainImages => Quick ? 1000 : 2000;

    /// <summary>
    /// An L-CAM attention mechanism's training for the classifier at <paramref name="classifier"/>: on a subset of the
    /// training images, with learning rate 0.1 (the reference's 1e-4 barely moves a 1×1 convolution on a few thousand
    /// images; docs/lcam.md). L-CAM-Fm trains on cached features, so it affords more epochs than L-CAM-Img. L-CAM-Fm's
    /// area term is weighted 0.5 instead of 2: at block4's 16×16 maps on Shapes the reference weight shrinks the maps below
    /// the object and Fm then loses to the centre-Gaussian baseline on AD at 100 % and 50 % kept (docs/lcam.md).
    /// </summary>
    public LCamTrainingOptions LCam(string variant, string classifier, string outputDirectory) => new()
    {
        Classifier = classifier,
        Variant = variant,
        Data = DataSpec,
        TrainImages = Quick ? 1000 : 4000,
        TestImages = Quick ? 200 : 500,
        Epochs = (variant, Quick) switch { ("fm", false) => 15, ("fm", true) => 8, (_, false) => 6, _ => 3 },
        LearningRate = 0.1,
        AreaWeight = variant == "fm" ? 0.5 : 2,
        Seed = Seed,
        OutputDirectory = outputDirectory,
        Precision = TrainingPrecision,
    };

    /// <summary>Test images explained (overlays and the contact sheet).</summary>
    public int ExplainImages => Quick ? 4 : 8;

    /// <summary>Test images evaluated.</summary>
    public int EvaluateImages => Quick ? 12 : 48;

    /// <summary>Images of the sanity check (it recomputes every map once per randomised layer).</summary>
    public int SanityImages => Quick ? 4 : 8;

    /// <summary>ROAD's percentages of pixels removed (the quick demo uses three of the seven).</summary>
    public IReadOnlyList<int> RoadPercent => Quick ? [20, 50, 80] : Ocular.Evaluation.Metrics.Road.DefaultRemovedPercent;

    /// <summary>The explainers' settings: fewer RISE masks than the paper's 4000, enough at 64×64 and 28×28.</summary>
    public ExplainerOptions Explainers => new() { Seed = Seed, BatchSize = 32, RiseMasks = Quick ? 500 : 1000, Precision = Precision };

    /// <summary>
    /// The metrics: AD/IC/AG, deletion/insertion, ROAD, the sanity check and, where the data has ground-truth
    /// masks, the pointing games (the accuracy of masked images is left to <c>ocular evaluate</c>: it explains nothing).
    /// </summary>
    public IReadOnlyList<string> Metrics =>
        [.. new[] { "ad", "ic", "ag", "deletion", "insertion", "road", "pointing", "ebpg", "sanity" }.Where(m => HasMasks || m is not ("pointing" or "ebpg"))];
}
