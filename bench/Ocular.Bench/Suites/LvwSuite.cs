using Ocular.Bench.Harness;
using Ocular.Explain.Learned.Lvw;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;
using Ocular.Vision.Transforms;

namespace Ocular.Bench.Suites;

/// <summary>
/// The lvw suite (issue 15): Learnable Visual Words (reference <c>learnable-visual-words.md</c>) with the Pets settings of the
/// original's <c>settings.py</c> — the prototype network <c>lvw_resnet34</c> at 224×224, 37 classes, 185 words of dimension
/// 128 — against the original code (bench/python/lvw.py loads model.py, train_and_test.py, push.py and their imports by
/// path from <c>$LVW</c>). Both sides build the same architecture with seeded random weights (seed 0; the ImageNet
/// weights of the original's <c>pretrained=True</c> are not available here) and draw the same synthetic data from a
/// libtorch generator seeded 0 (<c>inputs_sum</c> in the JSON lines shows it); no data loading is measured.
/// <para>
/// <b><c>lvw_resnet34_train_step_224_b80</c></b>: one step of the joint phase at the original's batch 80. Ocular's side is
/// the step of the LVW trainer's pass (<c>LvwSession.TrainPass</c>): the network in training mode with the last layer
/// frozen (the joint phase), and per step inside a <see cref="DisposeScope"/>: zero grad,
/// <see cref="PrototypeNetwork.ForwardWords"/>, <see cref="LvwLoss.Compute"/> with <see cref="LvwLossWeights.Lvw"/>
/// (CE + 0.8·cluster + 1e-4·L1 + 10·align) against alignment targets [B, 224, 224] uniform in [0, 1), backward, an
/// <see cref="Adam"/> step over the joint optimizer's three <see cref="ParamGroup"/>s (trunk lr 1e-4 weight decay 1e-3,
/// add-on 3e-3 / 1e-3, words 3e-3), then the loss terms and the top-1 count read back, as the trainer's totals do.
/// Inputs are standard-normal (normalised) images. The twin's reference style runs the original
/// <c>train_and_test.train</c> (<c>_train_or_test</c>) on a one-batch loader of the 4-channel input, with anomaly
/// detection on as written (defect §8.9); its expert style writes the same loss over the original's layers.
/// </para>
/// <para>
/// <b><c>lvw_resnet34_push_224_n150</c></b>: one push over 150 images uniform in [0, 1) (two of the original's push
/// batches of 75), in evaluation mode: <see cref="WordPush.Push"/> over an in-memory <see cref="IImageDataset"/> of float
/// images with an identity transform and <see cref="ImageNormalization.ImageNet"/>, batch 75, no workers — every word
/// projected onto its closest latent patch, with the receptive-field and high-activation boxes (OpenCV bicubic) of the
/// winning patches. The words are reset to their initial values at the start of every sample, so that every sample is
/// the same push. The twin's reference style runs the original <c>push.push_prototypes</c> (a Python loop over the 185
/// words per batch, boxes recomputed at each improvement); its expert style one min over [P, B·h·w] per batch.
/// </para>
/// <para>
/// Sanity values, so that a broken side cannot report a good number: the train step throws unless the loss is finite
/// and the words moved; the push throws unless it changed the words. The JSON lines carry them (<c>loss</c>,
/// <c>words_moved</c>, <c>words_changed</c>, <c>distinct_patches</c>), <c>rss_base_mb</c> (the resident set before the
/// model was built) and <c>peak_rss_mb</c> (compare.sh runs this suite one process per workload and side).
/// </para>
/// </summary>
public sealed class LvwSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "lvw";

    /// <inheritdoc/>
    public override string Description => "Learnable Visual Words on ResNet-34 at 224², 185 words: joint training step b80, push of 150 images (images/s, peak memory)";

    private const string Architecture = "lvw_resnet34";
    private const int Size = 224;
    private const int Classes = 37;
    private const int TrainBatch = 80;
    private const int PushImages = 150;
    private const int PushBatch = 75;
    private const double TrunkLr = 1e-4;
    private const double AddOnLr = 3e-3;
    private const double WordsLr = 3e-3;
    private const double WeightDecay = 1e-3;

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads() =>
    [
        new($"{Architecture}_train_step_{Size}_b{TrainBatch}", Units.ImagesPerSecond, new(Warmup: 1, Repeat: 3), new(Warmup: 0, Repeat: 1), TrainStep, 1.0),
        new($"{Architecture}_push_{Size}_n{PushImages}", Units.ImagesPerSecond, new(Warmup: 1, Repeat: 3), new(Warmup: 0, Repeat: 1), Push, 2.0),
    ];

    private static PrototypeNetwork Build()
    {
        Engine.ManualSeed(0);
        var model = ModelZoo.Create(Architecture, Classes);
        if (model is PrototypeNetwork network) return network;
        model.Dispose();
        throw new InvalidOperationException($"{Architecture} is not a prototype network");
    }

    private static Measurement TrainStep(Plan plan)
    {
        var rssBase = Memory.ResidentMb();
        using var network = Build();
        network.Train();
        // The joint phase (LvwSession.TrainPass): everything but the last layer learns.
        foreach (var (path, parameter) in network.NamedParameters())
            parameter.RequiresGrad_(path.Split('.')[0] != "last_layer");
        var trunk = network.TrunkLayers.ToHashSet();
        using var optimizer = new Adam([
            new ParamGroup([.. network.NamedParameters().Where(p => trunk.Contains(p.Path.Split('.')[0])).Select(p => (Tensor)p.Parameter)], TrunkLr, WeightDecay),
            new ParamGroup([.. network.AddOnLayers.Parameters()], AddOnLr, WeightDecay),
            new ParamGroup([network.Words], WordsLr, 0),
        ]);
        using var gen = new Generator(0);
        using var images = Tensor.Randn([TrainBatch, 3, Size, Size], gen);
        using var targets = Tensor.Rand([TrainBatch, Size, Size], gen);
        using var labels = Tensor.RandInt(0, Classes, [TrainBatch], gen);
        using var words0 = network.Words.Detach().Clone();
        double loss = double.NaN, ce = double.NaN, cluster = double.NaN, l1 = double.NaN, align = double.NaN;
        var correct = 0L;
        var samples = Sampler.Run(plan, () =>
        {
            using var scope = DisposeScope.Enter();
            optimizer.ZeroGrad();
            using var output = network.ForwardWords(images);
            using var terms = LvwLoss.Compute(network, output, labels, LvwLossWeights.Lvw, targets);
            terms.Total.Backward();
            optimizer.Step();
            // What the trainer reads back per batch (LvwSession's PassTotals).
            loss = terms.Total.Item<float>();
            ce = terms.CrossEntropy.Item<float>();
            cluster = terms.Cluster.Item<float>();
            l1 = terms.L1.Item<float>();
            align = terms.Align!.Item<float>();
            using (Autograd.NoGrad())
                correct = output.Logits.Argmax(1).Eq(labels).Sum().Item<long>();
        });
        double moved;
        using (var diff = network.Words.Detach().Sub(words0))
        using (var abs = diff.Abs())
        using (var max = abs.Max())
            moved = max.Item<float>();
        if (!double.IsFinite(loss) || !(moved > 0))
            throw new InvalidOperationException($"sanity: loss {loss}, words moved by {moved}");
        return Measurement.Throughput(samples, TrainBatch, Units.ImagesPerSecond, new Dictionary<string, object>
        {
            ["batch"] = TrainBatch,
            ["size"] = Size,
            ["classes"] = Classes,
            ["words"] = network.NumWords,
            ["dimension"] = network.Dimension,
            ["parameters"] = network.Parameters().Sum(p => p.NumEl),
            ["loss"] = loss,
            ["cross_entropy"] = ce,
            ["cluster"] = cluster,
            ["l1"] = l1,
            ["align"] = align,
            ["correct"] = correct,
            ["words_moved"] = moved,
            ["inputs_sum"] = Sum(images),
            ["rss_base_mb"] = rssBase ?? double.NaN,
        });
    }

    private static Measurement Push(Plan plan)
    {
        var rssBase = Memory.ResidentMb();
        using var network = Build();
        using var gen = new Generator(0);
        using var images = Tensor.Rand([PushImages, 3, Size, Size], gen);
        using var labels = Tensor.RandInt(0, Classes, [PushImages], gen);
        var data = new TensorImages(images, labels.ToArray<long>(), Classes);
        using var words0 = network.Words.Detach().Clone();
        PushResult? result = null;
        var samples = Sampler.Run(plan, () =>
        {
            using (Autograd.NoGrad())
                network.Words.Copy_(words0);
            result = WordPush.Push(network, data, new IdentityTransform(), ImageNormalization.ImageNet, PushBatch, workers: 0);
        });
        var (changed, distinct) = Changes(network.Words, words0);
        if (changed == 0 || result is null)
            throw new InvalidOperationException($"sanity: the push changed {changed} of {network.NumWords} words");
        return Measurement.Throughput(samples, PushImages, Units.ImagesPerSecond, new Dictionary<string, object>
        {
            ["images"] = PushImages,
            ["batch"] = PushBatch,
            ["size"] = Size,
            ["words"] = network.NumWords,
            ["dimension"] = network.Dimension,
            ["words_changed"] = changed,
            ["distinct_patches"] = distinct,
            ["push_distinct_sources"] = result.DistinctPatches,
            ["inputs_sum"] = Sum(images),
            ["rss_base_mb"] = rssBase ?? double.NaN,
        });
    }

    // The sum of a tensor's values in float64: the same number on both sides when both drew the same inputs.
    private static double Sum(Tensor t)
    {
        using var wide = t.To(ScalarType.Float64);
        using var sum = wide.Sum();
        return sum.Item<double>();
    }

    // How many words differ from their initial values, and how many distinct word vectors there are (after a push: the
    // distinct patches; the twin counts the same way).
    private static (int Changed, int Distinct) Changes(Tensor words, Tensor initial)
    {
        var p = (int)words.Size(0);
        using var now = words.Detach().Reshape(p, -1);
        using var before = initial.Reshape(p, -1);
        var a = now.Contiguous().ToArray<float>();
        var b = before.Contiguous().ToArray<float>();
        var d = a.Length / p;
        var changed = Enumerable.Range(0, p).Count(j => !a.AsSpan(j * d, d).SequenceEqual(b.AsSpan(j * d, d)));
        var distinct = Enumerable.Range(0, p).Select(j => string.Join(',', a.Skip(j * d).Take(d))).Distinct().Count();
        return (changed, distinct);
    }

    /// <summary>Float images [N, 3, H, W] in [0, 1] held in memory, as a data set (read with the identity transform).</summary>
    private sealed class TensorImages(Tensor images, long[] labels, int classes) : IImageDataset
    {
        public int Count => labels.Length;

        public IReadOnlyList<string> ClassNames { get; } = [.. Enumerable.Range(0, classes).Select(k => $"class{k}")];

        public Sample Get(int index) => new(images.Select(0, index).Clone(), labels[index], index);
    }
}
