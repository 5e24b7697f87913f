using Ocular.Bench.Harness;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Bench.Suites;

/// <summary>
/// The explain suite (issue "Post-hoc explanations", part Benchmark): milliseconds per image of each post-hoc
/// method on ResNet-50 (the zoo's, seed 0: torchvision's weights for that seed) for random normalised 224 × 224
/// images, through <see cref="ExplainerRegistry"/> with default options. The twin, bench/python/explain.py,
/// does the same work the way pytorch-grad-cam and eclique/RISE do it (NumPy post-processing, their default
/// batch sizes). Targets (ratio PyTorch/Ocular time): ≥ 1.0 for the single-pass methods, ≥ 2.0 for Score-CAM,
/// Ablation-CAM and RISE. Its expert twin (<c>--style expert</c>) does the work of this side the way a competent
/// PyTorch user would (frozen parameters, <c>autograd.grad</c> to the layer, channels-last, batch 16): goal ≥ 1.0.
/// </summary>
/// <remarks>
/// Score-CAM, Ablation-CAM and RISE cost one forward pass per channel or mask; so that the suite runs in
/// minutes on a small machine, they do 256 passes per image on both sides (Score-CAM and Ablation-CAM at
/// layer1, 256 channels; RISE with 256 masks): their time grows linearly with that count. Ablation-CAM at the
/// default layer4 (2048 channels) runs on 64 × 64 images. <c>--quick</c> runs everything on 64 × 64 images
/// (32 × 32 for Ablation-CAM at layer4; RISE on 64 masks): a smoke run.
/// </remarks>
public sealed class ExplainSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "explain";

    /// <inheritdoc/>
    public override string Description => "ms/image of the CAM family, Score-CAM, Ablation-CAM and RISE on ResNet-50 (224²)";

    private const string MsPerImage = "ms/image";
    private const double SinglePassTarget = 1.0;
    private const double PerturbationTarget = 2.0;
    private const int SinglePassImages = 2;

    private static readonly Plan SinglePassFull = new(Warmup: 1, Repeat: 3, PerSample: SinglePassImages);
    private static readonly Plan SinglePassQuick = new(Warmup: 1, Repeat: 2, PerSample: SinglePassImages);
    private static readonly Plan PerturbationFull = new(Warmup: 0, Repeat: 1, PerSample: 1);
    private static readonly Plan PerturbationQuick = new(Warmup: 0, Repeat: 1, PerSample: 1);

    // The harness passes --quick to Workloads() only through the plans; the sizes are part of the names, so read it here (as explain.py does).
    private static bool Quick => Environment.GetCommandLineArgs().Contains("--quick");

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        var size = Quick ? 64 : 224;
        foreach (var (method, name) in new[] { ("cam", "cam"), ("grad-cam", "grad_cam"), ("grad-cam++", "grad_cam_pp"), ("xgrad-cam", "xgrad_cam"),
                                               ("hires-cam", "hires_cam"), ("layer-cam", "layer_cam"), ("eigen-cam", "eigen_cam") })
            yield return new($"{name}_resnet50_{size}_layer4_b{SinglePassImages}", MsPerImage, SinglePassFull, SinglePassQuick,
                plan => Explain(plan, method, size, SinglePassImages, new ExplainerOptions { Layers = ["layer4"] }), SinglePassTarget);
        yield return new($"score_cam_resnet50_{size}_layer1_b1", MsPerImage, PerturbationFull, PerturbationQuick,
            plan => Explain(plan, "score-cam", size, 1, new ExplainerOptions { Layers = ["layer1"] }), PerturbationTarget);
        yield return new($"ablation_cam_resnet50_{size}_layer1_b1", MsPerImage, PerturbationFull, PerturbationQuick,
            plan => Explain(plan, "ablation-cam", size, 1, new ExplainerOptions { Layers = ["layer1"] }), PerturbationTarget);
        var small = Quick ? 32 : 64;
        yield return new($"ablation_cam_resnet50_{small}_layer4_b1", MsPerImage, PerturbationFull, PerturbationQuick,
            plan => Explain(plan, "ablation-cam", small, 1, new ExplainerOptions { Layers = ["layer4"] }), PerturbationTarget);
        var masks = Quick ? 64 : 256;
        yield return new($"rise{masks}_resnet50_{size}_b1", MsPerImage, PerturbationFull, PerturbationQuick,
            plan => Explain(plan, "rise", size, 1, new ExplainerOptions { RiseMasks = masks }), PerturbationTarget);
    }

    /// <summary>
    /// Explains <paramref name="images"/> random images of <paramref name="size"/>² for their predicted classes, as the twin
    /// does; <paramref name="extra"/> adds JSON fields (the precision suite's).
    /// </summary>
    internal static Measurement Explain(Plan plan, string method, int size, int images, ExplainerOptions options, IReadOnlyDictionary<string, object>? extra = null)
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("resnet50");
        model.Eval();
        using var generator = new Generator(1);
        using var x = Tensor.Randn([images, 3, size, size], generator);
        Tensor targets;
        using (Autograd.NoGrad())
        using (var logits = model.Call(x))
            targets = logits.Argmax(1);
        using (targets)
        using (var explainer = ExplainerRegistry.Create(method, model, options))
        {
            var samples = Sampler.Run(plan, () =>
            {
                using var maps = explainer.Explain(x, targets);
            });
            return Measurement.TimePer(samples, plan, MsPerImage, extra);
        }
    }
}
