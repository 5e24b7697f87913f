using Ocular.Torch.Interop;

namespace Ocular.Torch;

/// <summary>
/// Functional neural-network operations with PyTorch's semantics and argument order
/// (<c>torch.nn.functional</c>). Import it as <c>using F = Ocular.Torch.Functional;</c>.
/// </summary>
public static class Functional
{
    private static Tensor Wrap(IntPtr p) => Tensor.Wrap(p);
    private static TensorHandle H(Tensor? t) => Tensor.HandleOf(t);

    /// <summary>2-D convolution of [N, C, H, W] with weight [O, C/groups, kH, kW].</summary>
    public static unsafe Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Pair? stride = null, Pair? padding = null, Pair? dilation = null, long groups = 1)
    {
        long* s = stackalloc long[2] { (stride ?? 1).H, (stride ?? 1).W };
        long* p = stackalloc long[2] { (padding ?? 0).H, (padding ?? 0).W };
        long* d = stackalloc long[2] { (dilation ?? 1).H, (dilation ?? 1).W };
        return Wrap(Native.ocl_conv2d(input.Handle, weight.Handle, H(bias), s, p, d, groups));
    }

    /// <summary>2-D transposed convolution with weight [C, O/groups, kH, kW].</summary>
    public static unsafe Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, Pair? stride = null, Pair? padding = null, Pair? outputPadding = null, long groups = 1, Pair? dilation = null)
    {
        long* s = stackalloc long[2] { (stride ?? 1).H, (stride ?? 1).W };
        long* p = stackalloc long[2] { (padding ?? 0).H, (padding ?? 0).W };
        long* o = stackalloc long[2] { (outputPadding ?? 0).H, (outputPadding ?? 0).W };
        long* d = stackalloc long[2] { (dilation ?? 1).H, (dilation ?? 1).W };
        return Wrap(Native.ocl_conv_transpose2d(input.Handle, weight.Handle, H(bias), s, p, o, groups, d));
    }

    /// <summary>x·Wᵀ + b.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) =>
        Wrap(Native.ocl_linear(input.Handle, weight.Handle, H(bias)));

    /// <summary>
    /// Batch normalisation. In training mode the batch statistics are used and the running
    /// statistics (when given) are updated in place with <paramref name="momentum"/>.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
        Wrap(Native.ocl_batch_norm(input.Handle, H(weight), H(bias), H(runningMean), H(runningVar), training ? 1 : 0, momentum, eps));

    /// <summary>Layer normalisation over the trailing <paramref name="normalizedShape"/>.</summary>
    public static unsafe Tensor LayerNorm(Tensor input, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        fixed (long* s = normalizedShape) return Wrap(Native.ocl_layer_norm(input.Handle, s, normalizedShape.Length, H(weight), H(bias), eps));
    }

    /// <summary>2-D max pooling (the stride defaults to the kernel size).</summary>
    public static unsafe Tensor MaxPool2d(Tensor input, Pair kernelSize, Pair? stride = null, Pair? padding = null, Pair? dilation = null, bool ceilMode = false)
    {
        var st = stride ?? kernelSize;
        long* k = stackalloc long[2] { kernelSize.H, kernelSize.W };
        long* s = stackalloc long[2] { st.H, st.W };
        long* p = stackalloc long[2] { (padding ?? 0).H, (padding ?? 0).W };
        long* d = stackalloc long[2] { (dilation ?? 1).H, (dilation ?? 1).W };
        return Wrap(Native.ocl_max_pool2d(input.Handle, k, s, p, d, ceilMode ? 1 : 0));
    }

    /// <summary>2-D average pooling (the stride defaults to the kernel size).</summary>
    public static unsafe Tensor AvgPool2d(Tensor input, Pair kernelSize, Pair? stride = null, Pair? padding = null, bool ceilMode = false, bool countIncludePad = true, long? divisorOverride = null)
    {
        var st = stride ?? kernelSize;
        long* k = stackalloc long[2] { kernelSize.H, kernelSize.W };
        long* s = stackalloc long[2] { st.H, st.W };
        long* p = stackalloc long[2] { (padding ?? 0).H, (padding ?? 0).W };
        return Wrap(Native.ocl_avg_pool2d(input.Handle, k, s, p, ceilMode ? 1 : 0, countIncludePad ? 1 : 0, divisorOverride ?? 0));
    }

    /// <summary>Average pooling to a fixed output size.</summary>
    public static unsafe Tensor AdaptiveAvgPool2d(Tensor input, Pair outputSize)
    {
        long* o = stackalloc long[2] { outputSize.H, outputSize.W };
        return Wrap(Native.ocl_adaptive_avg_pool2d(input.Handle, o));
    }

    /// <summary>Max pooling to a fixed output size.</summary>
    public static unsafe Tensor AdaptiveMaxPool2d(Tensor input, Pair outputSize)
    {
        long* o = stackalloc long[2] { outputSize.H, outputSize.W };
        return Wrap(Native.ocl_adaptive_max_pool2d(input.Handle, o));
    }

    /// <summary>
    /// Zeroes elements with probability <paramref name="p"/> and scales the rest by 1/(1−p) when training,
    /// as <c>F.dropout</c>. The mask is drawn from <paramref name="generator"/>, or from libtorch's global
    /// generator when it is null (a generator seeded with s draws the mask of <c>torch.manual_seed(s)</c>).
    /// </summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, bool inplace = false, Generator? generator = null)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        return Wrap(Native.ocl_dropout(input.Handle, p, training ? 1 : 0, inplace ? 1 : 0, Generator.HandleOf(generator)));
    }

    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public static Tensor Softmax(Tensor input, long dim) => Wrap(Native.ocl_softmax(0, input.Handle, dim));

    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public static Tensor LogSoftmax(Tensor input, long dim) => Wrap(Native.ocl_softmax(1, input.Handle, dim));

    /// <summary>One-hot encoding of int64 labels (classes = max + 1 when −1).</summary>
    public static Tensor OneHot(Tensor labels, long numClasses = -1) => Wrap(Native.ocl_one_hot(labels.Handle, numClasses));

    // ------------------------------------------------------------ losses

    /// <summary>
    /// Cross-entropy of logits [N, C, …] against class indices [N, …] (or class probabilities),
    /// with optional class weights and label smoothing, as <c>F.cross_entropy</c>.
    /// </summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, long ignoreIndex = -100, double labelSmoothing = 0) =>
        Wrap(Native.ocl_cross_entropy(input.Handle, target.Handle, H(weight), (int)reduction, ignoreIndex, labelSmoothing));

    /// <summary>Negative log-likelihood of log-probabilities [N, C, …] against class indices.</summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, long ignoreIndex = -100) =>
        Wrap(Native.ocl_nll_loss(input.Handle, target.Handle, H(weight), (int)reduction, ignoreIndex));

    /// <summary>Mean squared error.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Wrap(Native.ocl_mse_loss(input.Handle, target.Handle, (int)reduction));

    /// <summary>Mean absolute error.</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Wrap(Native.ocl_l1_loss(input.Handle, target.Handle, (int)reduction));

    /// <summary>Binary cross-entropy on logits (numerically stable), with element and positive-class weights.</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean) =>
        Wrap(Native.ocl_bce_with_logits(input.Handle, target.Handle, H(weight), H(posWeight), (int)reduction));

    /// <summary>Binary cross-entropy on probabilities.</summary>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean) =>
        Wrap(Native.ocl_bce(input.Handle, target.Handle, H(weight), (int)reduction));

    /// <summary>
    /// KL divergence with <paramref name="input"/> as log-probabilities, as <c>F.kl_div</c>;
    /// <paramref name="reduction"/> is "none", "mean", "sum" or "batchmean" (sum / batch size, the mathematically correct one).
    /// </summary>
    public static Tensor KlDiv(Tensor input, Tensor target, string reduction = "mean", bool logTarget = false)
    {
        switch (reduction)
        {
            case "batchmean":
                using (var sum = Wrap(Native.ocl_kl_div(input.Handle, target.Handle, (int)Reduction.Sum, logTarget ? 1 : 0)))
                    return input.Dim == 0 ? sum.Alias() : sum.Div(input.Size(0));
            case "none": return Wrap(Native.ocl_kl_div(input.Handle, target.Handle, (int)Reduction.None, logTarget ? 1 : 0));
            case "mean": return Wrap(Native.ocl_kl_div(input.Handle, target.Handle, (int)Reduction.Mean, logTarget ? 1 : 0));
            case "sum": return Wrap(Native.ocl_kl_div(input.Handle, target.Handle, (int)Reduction.Sum, logTarget ? 1 : 0));
            default: throw new ArgumentException($"unknown reduction '{reduction}': expected none, mean, sum or batchmean", nameof(reduction));
        }
    }

    /// <summary>Cosine similarity along <paramref name="dim"/>.</summary>
    public static Tensor CosineSimilarity(Tensor x1, Tensor x2, long dim = 1, double eps = 1e-8) =>
        Wrap(Native.ocl_cosine_similarity(x1.Handle, x2.Handle, dim, eps));

    /// <summary>x / max(‖x‖_p, eps) along <paramref name="dim"/>, as <c>F.normalize</c>.</summary>
    public static Tensor Normalize(Tensor input, double p = 2, long dim = 1, double eps = 1e-12)
    {
        using var norm = input.Norm(p, [dim], keepDim: true);
        using var clamped = norm.ClampMin(eps);
        using var expanded = clamped.ExpandAs(input);
        return input.Div(expanded);
    }

    // ------------------------------------------------------------ resampling and padding

    /// <summary>
    /// Resizes [N, C, H, W] to <paramref name="size"/> or by <paramref name="scaleFactor"/>, as
    /// <c>F.interpolate</c> (with scale factors passed to the kernel unless <paramref name="recomputeScaleFactor"/>).
    /// <paramref name="alignCorners"/> applies to bilinear and bicubic only; <paramref name="antialias"/> too.
    /// </summary>
    public static unsafe Tensor Interpolate(Tensor input, Pair? size = null, (double H, double W)? scaleFactor = null,
        InterpolationMode mode = InterpolationMode.Nearest, bool? alignCorners = null, bool antialias = false, bool recomputeScaleFactor = false)
    {
        if (input.Dim != 4) throw new ArgumentException($"Interpolate expects a 4-D [N, C, H, W] input, got shape {Tensor.ShapeString(input.Shape)}", nameof(input));
        if ((size is null) == (scaleFactor is null)) throw new ArgumentException("Interpolate needs exactly one of size and scaleFactor");
        var interpolating = mode is InterpolationMode.Bilinear or InterpolationMode.Bicubic;
        if (alignCorners is not null && !interpolating) throw new ArgumentException($"alignCorners applies only to bilinear and bicubic, not {mode}");
        if (antialias && !interpolating) throw new ArgumentException($"antialias applies only to bilinear and bicubic, not {mode}");

        var outSize = size;
        if (scaleFactor is { } sf && (recomputeScaleFactor || mode == InterpolationMode.Area))
            outSize = new Pair((long)Math.Floor(input.Size(2) * sf.H), (long)Math.Floor(input.Size(3) * sf.W));
        if (mode == InterpolationMode.Area) return AdaptiveAvgPool2d(input, outSize!.Value);

        var code = mode switch
        {
            InterpolationMode.Nearest => 0,
            InterpolationMode.Bilinear => 1,
            InterpolationMode.Bicubic => 2,
            _ => 3,
        };
        long* o = stackalloc long[2] { outSize?.H ?? 0, outSize?.W ?? 0 };
        double* s = stackalloc double[2] { scaleFactor?.H ?? 0, scaleFactor?.W ?? 0 };
        return Wrap(Native.ocl_interpolate(input.Handle, code, o, outSize is null ? 0 : 1, s, alignCorners == true ? 1 : 0, antialias ? 1 : 0));
    }

    /// <summary>Resizes [N, C, H, W] by the same <paramref name="scaleFactor"/> in both dimensions (<c>F.interpolate(x, scale_factor=s)</c>).</summary>
    public static Tensor Interpolate(Tensor input, double scaleFactor, InterpolationMode mode = InterpolationMode.Nearest,
        bool? alignCorners = null, bool antialias = false, bool recomputeScaleFactor = false) =>
        Interpolate(input, null, (scaleFactor, scaleFactor), mode, alignCorners, antialias, recomputeScaleFactor);

    /// <summary>
    /// Pads the last dimensions: <paramref name="pad"/> lists (left, right, top, bottom, …); mode is
    /// "constant", "reflect", "replicate" or "circular".
    /// </summary>
    public static unsafe Tensor Pad(Tensor input, long[] pad, string mode = "constant", double value = 0)
    {
        if (mode is not ("constant" or "reflect" or "replicate" or "circular"))
            throw new ArgumentException($"unknown padding mode '{mode}': expected constant, reflect, replicate or circular", nameof(mode));
        fixed (long* p = pad) return Wrap(Native.ocl_pad(input.Handle, p, pad.Length, mode, value));
    }

    /// <summary>
    /// Gaussian blur of [N, C, H, W] (or [C, H, W]) exactly as torchvision's <c>gaussian_blur</c>:
    /// separable kernel exp(−x²/2σ²) normalised, reflect padding. σ defaults to torchvision's
    /// 0.3·((k−1)·0.5 − 1) + 0.8.
    /// </summary>
    public static Tensor GaussianBlur(Tensor input, Pair kernelSize, (double Y, double X)? sigma = null)
    {
        if (kernelSize.H <= 0 || kernelSize.W <= 0 || kernelSize.H % 2 == 0 || kernelSize.W % 2 == 0)
            throw new ArgumentException($"GaussianBlur kernel size must be odd and positive, got {kernelSize}");
        var sy = sigma?.Y ?? 0.3 * ((kernelSize.H - 1) * 0.5 - 1) + 0.8;
        var sx = sigma?.X ?? 0.3 * ((kernelSize.W - 1) * 0.5 - 1) + 0.8;
        if (sy <= 0 || sx <= 0) throw new ArgumentException($"GaussianBlur sigma must be positive, got ({sy}, {sx})");

        using var scope = DisposeScope.Enter();
        var batched = input.Dim == 4 ? input : input.Unsqueeze(0);
        var channels = batched.Size(1);
        var dtype = batched.DType.IsFloatingPoint() ? batched.DType : ScalarType.Float32;
        var x = batched.DType == dtype ? batched : batched.To(dtype);
        // torchvision builds the 1-D kernels in float32 (torch.linspace's default) and then casts them.
        var ky = Kernel1d(kernelSize.H, sy).To(dtype, batched.Device);
        var kx = Kernel1d(kernelSize.W, sx).To(dtype, batched.Device);
        // torchvision: kernel2d = kernel1d_y[:, None] * kernel1d_x[None, :], one copy per channel.
        var kernel = ky.Unsqueeze(1).Mul(kx.Unsqueeze(0)).Expand(channels, 1, kernelSize.H, kernelSize.W);
        var padded = Pad(x, [kernelSize.W / 2, kernelSize.W / 2, kernelSize.H / 2, kernelSize.H / 2], "reflect");
        var blurred = Conv2d(padded, kernel, groups: channels);
        if (batched.DType != dtype) blurred = blurred.Round().To(batched.DType);
        if (input.Dim != 4) blurred = blurred.Squeeze(0);
        return scope.Keep(blurred);
    }

    // torchvision's _get_gaussian_kernel1d: pdf = exp(-0.5 (x / σ)²) on linspace(−(k−1)/2, (k−1)/2, k), normalised.
    private static Tensor Kernel1d(long size, double sigma)
    {
        var half = (size - 1) * 0.5;
        using var x = Tensor.Linspace(-half, half, size);
        using var pdf = x.Div(sigma).Pow(2).Mul(-0.5).Exp();
        using var sum = pdf.Sum();
        return pdf.Div(sum);
    }

    /// <summary>Extracts sliding blocks: [N, C, H, W] → [N, C·kH·kW, L] (im2col, as <c>F.unfold</c>).</summary>
    public static unsafe Tensor Unfold(Tensor input, Pair kernelSize, Pair? dilation = null, Pair? padding = null, Pair? stride = null)
    {
        long* k = stackalloc long[2] { kernelSize.H, kernelSize.W };
        long* d = stackalloc long[2] { (dilation ?? 1).H, (dilation ?? 1).W };
        long* p = stackalloc long[2] { (padding ?? 0).H, (padding ?? 0).W };
        long* s = stackalloc long[2] { (stride ?? 1).H, (stride ?? 1).W };
        return Wrap(Native.ocl_unfold(input.Handle, k, d, p, s));
    }

    /// <summary>Sums sliding blocks back into an image (col2im, as <c>F.fold</c>).</summary>
    public static unsafe Tensor Fold(Tensor input, Pair outputSize, Pair kernelSize, Pair? dilation = null, Pair? padding = null, Pair? stride = null)
    {
        long* o = stackalloc long[2] { outputSize.H, outputSize.W };
        long* k = stackalloc long[2] { kernelSize.H, kernelSize.W };
        long* d = stackalloc long[2] { (dilation ?? 1).H, (dilation ?? 1).W };
        long* p = stackalloc long[2] { (padding ?? 0).H, (padding ?? 0).W };
        long* s = stackalloc long[2] { (stride ?? 1).H, (stride ?? 1).W };
        return Wrap(Native.ocl_fold(input.Handle, o, k, d, p, s));
    }
}
