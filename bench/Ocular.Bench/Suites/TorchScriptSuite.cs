using Ocular.Bench.Harness;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Vision.Models;
using Ocular.Vision.Models.TorchScript;

namespace Ocular.Bench.Suites;

/// <summary>
/// The torchscript suite (issue 17): a torchvision ResNet-50 (seed 0) exported with <c>torch.jit.script</c>, run through
/// Ocular's TorchScript path — libtorch's graph executor, and Grad-CAM on cuts of the graph — against PyTorch on the
/// same model, and, in the same process, against Ocular's zoo ResNet-50 holding the same weights (<c>zoo_*</c> fields:
/// the path Ocular takes for architectures it re-implements; <c>max_map_difference</c> between the two paths' maps).
/// The archive is made by the twin, <c>bench/python/torchscript.py --prepare</c> (compare.sh runs it first), at
/// <c>$OCULAR_BENCH_TORCHSCRIPT</c> or <c>~/.cache/ocular/bench/resnet50_scripted.pt</c>.
/// <list type="bullet">
/// <item><c>torchscript_infer_resnet50_b8_224</c> (images/s): logits of 8 images under inference mode; the twins run the
/// same archive with <c>torch.jit.load</c> (reference: <c>no_grad</c>, as written in PyTorch's tutorials; expert:
/// <c>inference_mode</c>, channels-last model and input).</item>
/// <item><c>torchscript_grad_cam_resnet50_224_layer4_b2</c> (ms/image): Grad-CAM at <c>layer4</c> of 2 images for their
/// predicted classes. PyTorch cannot hook a TorchScript module's layers, so its twins run the eager torchvision model
/// with the same weights: pytorch-grad-cam's GradCAM as written (reference) and the expert's split at the layer
/// (explain.py's).</item>
/// </list>
/// Targets: ≥ 0.95 against the twins (the same kernels; the graph executor and the cuts must cost nothing measurable).
/// </summary>
public sealed class TorchScriptSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "torchscript";

    /// <inheritdoc/>
    public override string Description => "TorchScript ResNet-50 (torchvision, scripted) through Ocular vs PyTorch and vs Ocular's zoo path: inference b8, Grad-CAM b2, 224²";

    private const double Target = 0.95;
    private const int InferenceBatch = 8, CamImages = 2, Size = 224;
    private const string MsPerImage = "ms/image";

    /// <summary>Where the archive is (the twin's <c>--prepare</c> writes it).</summary>
    public static string ArchivePath => Environment.GetEnvironmentVariable("OCULAR_BENCH_TORCHSCRIPT") is { Length: > 0 } path
        ? path
        : Path.Combine(Torch.Serialization.CacheDirectory.For("bench"), "resnet50_scripted.pt");

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        yield return new($"torchscript_infer_resnet50_b{InferenceBatch}_{Size}", Units.ImagesPerSecond, new(Warmup: 2, Repeat: 10), new(Warmup: 1, Repeat: 2),
            Inference, Target);
        yield return new($"torchscript_grad_cam_resnet50_{Size}_layer4_b{CamImages}", MsPerImage, new(Warmup: 1, Repeat: 5, PerSample: CamImages),
            new(Warmup: 1, Repeat: 2, PerSample: CamImages), GradCam, Target);
    }

    // The TorchScript model and a zoo ResNet-50 holding its weights (copied by name: the names are torchvision's).
    private static (TorchScriptClassifier Script, Classifier Zoo) Models()
    {
        if (!File.Exists(ArchivePath))
            throw new FileNotFoundException($"{ArchivePath}: no TorchScript ResNet-50; make it with `/usr/bin/python3 bench/python/torchscript.py --prepare` (compare.sh does)");
        var script = TorchScriptClassifier.Load(ArchivePath, Size);
        var zoo = ModelZoo.Create("resnet50", script.NumClasses);
        zoo.Eval();
        var state = script.StateDict();
        try
        {
            zoo.LoadStateDict(state, strict: true);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        return (script, zoo);
    }

    private static Measurement Inference(Plan plan)
    {
        var (script, zoo) = Models();
        using var _ = script;
        using var __ = zoo;
        using var generator = new Generator(0);
        using var images = Tensor.Randn([InferenceBatch, 3, Size, Size], generator);
        Samples Run(Classifier model) => Sampler.Run(plan, () =>
        {
            using var inference = Autograd.InferenceMode();
            using var logits = model.Call(images);
        });
        var zooSamples = Run(zoo);
        var samples = Run(script);
        double difference;
        using (Autograd.InferenceMode())
        using (var a = script.Call(images))
        using (var b = zoo.Call(images))
        using (var d = a.Sub(b).Abs().Max())
            difference = d.Item<float>();
        var zooSpeed = Measurement.Throughput(zooSamples, InferenceBatch, Units.ImagesPerSecond).Value;
        var result = Measurement.Throughput(samples, InferenceBatch, Units.ImagesPerSecond);
        return result with
        {
            Extra = new Dictionary<string, object>
            {
                ["batch"] = InferenceBatch, ["zoo_images_per_s"] = zooSpeed, ["vs_zoo"] = result.Value / zooSpeed, ["max_logit_difference"] = difference,
            },
        };
    }

    private static Measurement GradCam(Plan plan)
    {
        var (script, zoo) = Models();
        using var _ = script;
        using var __ = zoo;
        using var generator = new Generator(1);
        using var x = Tensor.Randn([CamImages, 3, Size, Size], generator);
        Tensor targets;
        using (Autograd.NoGrad())
        using (var logits = script.Call(x))
            targets = logits.Argmax(1);
        using (targets)
        {
            var options = new ExplainerOptions { Layers = ["layer4"] };
            using var onGraph = ExplainerRegistry.Create("grad-cam", script, options);
            using var onZoo = ExplainerRegistry.Create("grad-cam", zoo, options);
            var zooSamples = Sampler.Run(plan, () => { using var maps = onZoo.Explain(x, targets); });
            var samples = Sampler.Run(plan, () => { using var maps = onGraph.Explain(x, targets); });
            double difference;
            using (var a = onGraph.Explain(x, targets))
            using (var b = onZoo.Explain(x, targets))
            using (var d = a.Sub(b).Abs().Max())
                difference = d.Item<float>();
            var zooTime = Measurement.TimePer(zooSamples, plan, MsPerImage).Value;
            var result = Measurement.TimePer(samples, plan, MsPerImage);
            return result with
            {
                Extra = new Dictionary<string, object>
                {
                    ["images"] = CamImages, ["layer"] = "layer4", ["zoo_ms_per_image"] = zooTime, ["vs_zoo"] = zooTime / result.Value, ["max_map_difference"] = difference,
                },
            };
        }
    }
}
