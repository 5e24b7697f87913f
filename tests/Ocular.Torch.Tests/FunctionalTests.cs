using F = Ocular.Torch.Functional;

namespace Ocular.Torch.Tests;

/// <summary>
/// torch.nn.functional operations (and torchvision's gaussian_blur) against
/// tests/fixtures/torch/ops_functional.safetensors.
/// </summary>
public class FunctionalTests
{
    private static readonly GoldenFile G = new("functional");

    [Fact]
    public void Conv2dStridePaddingDilationGroups() =>
        G.Check("conv2d", c => F.Conv2d(c["x"], c["w"], c["b"], stride: (2, 1), padding: (1, 2), dilation: (1, 2), groups: 2));

    [Fact] public void Conv2dPlain() => G.Check("conv2d_plain", c => F.Conv2d(c["x"], c["w"]));
    [Fact] public void Conv2dFloat64() => G.Check("conv2d_f64", c => F.Conv2d(c["x"], c["w"], c["b"], stride: 2, padding: 1));
    [Fact] public void Linear() => G.Check("linear", c => F.Linear(c["x"], c["w"], c["b"]));
    [Fact] public void Linear3dWithoutBias() => G.Check("linear_3d_nobias", c => F.Linear(c["x"], c["w"]));

    [Fact]
    public void BatchNormTrainingUpdatesRunningStatistics() => G.Check("batch_norm_train", c =>
    {
        var y = F.BatchNorm(c["x"], c["rm"], c["rv"], c["w"], c["b"], training: true, momentum: 0.2, eps: 1e-3);
        return [y, c["rm"], c["rv"]];
    });

    [Fact]
    public void BatchNormEvalUsesRunningStatistics() => G.Check("batch_norm_eval", c =>
    {
        var y = F.BatchNorm(c["x"], c["rm"], c["rv"], c["w"], c["b"], training: false, momentum: 0.2, eps: 1e-3);
        return [y, c["rm"], c["rv"]];
    });

    [Fact] public void BatchNormWithoutStatistics() => G.Check("batch_norm_train_nostats", c => F.BatchNorm(c["x"], null, null, training: true));

    [Fact] public void MaxPool2d() => G.Check("max_pool2d", c => [F.MaxPool2d(c["x"], 3, 2, 1), F.MaxPool2d(c["x"], 2)]);

    [Fact]
    public void MaxPool2dDilationCeilMode() =>
        G.Check("max_pool2d_dil_ceil", c => F.MaxPool2d(c["x"], (2, 3), (2, 1), (1, 1), dilation: (2, 1), ceilMode: true));

    [Fact]
    public void AvgPool2d() => G.Check("avg_pool2d", c =>
    {
        var x = c["x"];
        return
        [
            F.AvgPool2d(x, 3, 2, 1), F.AvgPool2d(x, 3, 2, 1, ceilMode: true, countIncludePad: false),
            F.AvgPool2d(x, 2), F.AvgPool2d(x, (2, 3), divisorOverride: 4),
        ];
    });

    [Fact] public void AdaptiveAvgPool2d() => G.Check("adaptive_avg_pool2d", c => [F.AdaptiveAvgPool2d(c["x"], (3, 4)), F.AdaptiveAvgPool2d(c["x"], 1)]);
    [Fact] public void AdaptiveMaxPool2d() => G.Check("adaptive_max_pool2d", c => [F.AdaptiveMaxPool2d(c["x"], (2, 4)), F.AdaptiveMaxPool2d(c["x"], 1)]);

    // PyTorch: torch.manual_seed(77); F.dropout(x, 0.3). A generator seeded with 77 draws the same mask.
    [Fact]
    public void DropoutWithSeededGeneratorEqualsPyTorch() => G.Check("dropout", c =>
    {
        using var g = new Generator(77);
        return F.Dropout(c["x"], 0.3, training: true, generator: g);
    });

    [Fact] public void DropoutEvalIsIdentity() => G.Check("dropout_eval", c => F.Dropout(c["x"], 0.3, training: false));

    [Fact]
    public void Softmax() => G.Check("softmax", c =>
    {
        var x = c["x"];
        return [F.Softmax(x, 1), F.Softmax(x, 0), F.LogSoftmax(x, -1), F.LogSoftmax(x, 0)];
    });

    [Fact] public void CrossEntropy() => G.Check("cross_entropy", c => F.CrossEntropy(c["x"], c["t"]));

    [Fact]
    public void CrossEntropyWeightsSmoothingReduction() => G.Check("cross_entropy_opts", c =>
    {
        var (x, t, w) = (c["x"], c["t"], c["w"]);
        return
        [
            F.CrossEntropy(x, t, weight: w), F.CrossEntropy(x, t, reduction: Reduction.Sum),
            F.CrossEntropy(x, t, reduction: Reduction.None), F.CrossEntropy(x, t, labelSmoothing: 0.1),
            F.CrossEntropy(x, t, w, Reduction.Mean, labelSmoothing: 0.2), F.CrossEntropy(x, t, w, Reduction.None, labelSmoothing: 0.2),
        ];
    });

    [Fact] public void CrossEntropyIgnoreIndex() => G.Check("cross_entropy_ignore", c => F.CrossEntropy(c["x"], c["t"]));

    [Fact]
    public void CrossEntropyWithProbabilities() => G.Check("cross_entropy_probs", c =>
        [F.CrossEntropy(c["x"], c["p"]), F.CrossEntropy(c["x"], c["p"], reduction: Reduction.Sum, labelSmoothing: 0.1)]);

    [Fact] public void CrossEntropySpatial() => G.Check("cross_entropy_2d", c => F.CrossEntropy(c["x"], c["t"]));

    [Fact]
    public void NllLoss() => G.Check("nll_loss", c =>
    {
        var (x, t, w) = (c["x"], c["t"], c["w"]);
        return [F.NllLoss(x, t), F.NllLoss(x, t, w), F.NllLoss(x, t, reduction: Reduction.None), F.NllLoss(x, t, w, Reduction.Sum)];
    });

    [Fact]
    public void MseLoss() => G.Check("mse_loss", c =>
        [F.MseLoss(c["x"], c["y"]), F.MseLoss(c["x"], c["y"], Reduction.Sum), F.MseLoss(c["x"], c["y"], Reduction.None)]);

    [Fact]
    public void BinaryCrossEntropyWithLogits() => G.Check("bce_with_logits", c =>
    {
        var (x, y, w, pw) = (c["x"], c["y"], c["w"], c["pw"]);
        return
        [
            F.BinaryCrossEntropyWithLogits(x, y), F.BinaryCrossEntropyWithLogits(x, y, w, pw),
            F.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None),
            F.BinaryCrossEntropyWithLogits(x, y, posWeight: pw, reduction: Reduction.Sum),
        ];
    });

    [Fact]
    public void KlDiv() => G.Check("kl_div", c =>
    {
        var (x, t) = (c["x"], c["t"]);
        return [F.KlDiv(x, t, "batchmean"), F.KlDiv(x, t, "sum"), F.KlDiv(x, t, "mean"), F.KlDiv(x, t, "none"), F.KlDiv(x, t.Log(), "batchmean", logTarget: true)];
    });

    [Fact]
    public void CosineSimilarity() => G.Check("cosine_similarity", c =>
        [F.CosineSimilarity(c["a"], c["b"]), F.CosineSimilarity(c["a"], c["c"], dim: -1), F.CosineSimilarity(c["a"], c["b"], dim: 0)]);

    [Fact]
    public void Normalize() => G.Check("normalize", c =>
        [F.Normalize(c["x"]), F.Normalize(c["x"], p: 1, dim: 0), F.Normalize(c["x"], dim: -1, eps: 0.5)]);

    [Fact] public void NormalizeZeroRow() => G.Check("normalize_zero_row", c => F.Normalize(c["x"], dim: 1));

    [Fact]
    public void InterpolateNearest() => G.Check("interp_nearest", c =>
    {
        var x = c["x"];
        return
        [
            F.Interpolate(x, size: (7, 9)), F.Interpolate(x, scaleFactor: (2.0, 1.5)),
            F.Interpolate(x, scaleFactor: (0.5, 0.7)), F.Interpolate(x, size: (3, 4), mode: InterpolationMode.Nearest),
        ];
    });

    [Fact]
    public void InterpolateNearestExact() => G.Check("interp_nearest_exact", c =>
        [F.Interpolate(c["x"], size: (7, 4), mode: InterpolationMode.NearestExact), F.Interpolate(c["x"], scaleFactor: 1.7, mode: InterpolationMode.NearestExact)]);

    [Fact]
    public void InterpolateBilinear() => G.Check("interp_bilinear", c =>
    {
        var x = c["x"];
        const InterpolationMode bl = InterpolationMode.Bilinear;
        return
        [
            F.Interpolate(x, size: (8, 4), mode: bl), F.Interpolate(x, size: (8, 4), mode: bl, alignCorners: true),
            F.Interpolate(x, scaleFactor: 1.7, mode: bl), F.Interpolate(x, scaleFactor: (0.6, 1.3), mode: bl, alignCorners: true),
            F.Interpolate(x, scaleFactor: 1.3, mode: bl, recomputeScaleFactor: true),
        ];
    });

    [Fact]
    public void InterpolateBicubic() => G.Check("interp_bicubic", c =>
    {
        var x = c["x"];
        const InterpolationMode bc = InterpolationMode.Bicubic;
        return
        [
            F.Interpolate(x, size: (9, 11), mode: bc), F.Interpolate(x, size: (9, 11), mode: bc, alignCorners: true),
            F.Interpolate(x, scaleFactor: (1.5, 0.8), mode: bc),
        ];
    });

    [Fact]
    public void InterpolateAntialias() => G.Check("interp_antialias", c =>
    {
        var x = c["x"];
        return
        [
            F.Interpolate(x, size: (3, 4), mode: InterpolationMode.Bilinear, antialias: true),
            F.Interpolate(x, size: (4, 3), mode: InterpolationMode.Bicubic, antialias: true),
            F.Interpolate(x, size: (5, 6), mode: InterpolationMode.Bilinear, alignCorners: true, antialias: true),
            F.Interpolate(x, scaleFactor: 0.45, mode: InterpolationMode.Bilinear, antialias: true),
        ];
    });

    [Fact]
    public void InterpolateArea() => G.Check("interp_area", c =>
        [F.Interpolate(c["x"], size: (3, 4), mode: InterpolationMode.Area), F.Interpolate(c["x"], scaleFactor: 0.5, mode: InterpolationMode.Area)]);

    [Fact]
    public void Pad() => G.Check("pad", c =>
    {
        var x = c["x"];
        return
        [
            F.Pad(x, [1, 2, 0, 1], value: 0.5), F.Pad(x, [2, 1, 1, 2], "reflect"), F.Pad(x, [1, 3, 2, 0], "replicate"),
            F.Pad(x, [1, 1, 2, 0], "circular"), F.Pad(x, [1, 1]),
        ];
    });

    // torchvision takes kernel sizes and sigmas as (x, y); Ocular as (height, width) / (y, x).
    [Fact]
    public void GaussianBlurEqualsTorchvision() => G.Check("gaussian_blur", c =>
    {
        var x = c["x"];
        return [F.GaussianBlur(x, (3, 5), (0.7, 1.2)), F.GaussianBlur(x, 5), F.GaussianBlur(x, (7, 3))];
    });

    [Fact] public void GaussianBlurBatched() => G.Check("gaussian_blur_batched", c => F.GaussianBlur(c["x"], 3, (0.9, 0.9)));
    [Fact] public void GaussianBlurFloat64() => G.Check("gaussian_blur_f64", c => F.GaussianBlur(c["x"], (3, 5), (2.0, 1.1)));
    [Fact] public void GaussianBlurUInt8() => G.Check("gaussian_blur_uint8", c => F.GaussianBlur(c["x"], (5, 3), (1.5, 0.8)));

    [Fact]
    public void Unfold() => G.Check("unfold", c =>
        [F.Unfold(c["x"], (2, 3)), F.Unfold(c["x"], (2, 3), dilation: (1, 2), padding: 1, stride: (2, 1))]);

    [Fact] public void LayerNorm() => G.Check("layer_norm", c => F.LayerNorm(c["x"], [4], c["w"], c["b"]));

    [Fact]
    public void ConvTranspose2d() =>
        G.Check("conv_transpose2d", c => F.ConvTranspose2d(c["x"], c["w"], c["b"], stride: 2, padding: 1, outputPadding: 1));
}
