namespace Ocular.Torch.Nn;

/// <summary>Gradient clipping (<c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>).</summary>
public static class GradClipping
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their total
    /// <paramref name="normType"/>-norm (the norm of the per-parameter norms, as if all gradients were one
    /// vector) is at most <paramref name="maxNorm"/>, exactly as <c>torch.nn.utils.clip_grad_norm_</c>
    /// (PyTorch 1.13): coefficient = min(max_norm / (total + 1e-6), 1), applied to every gradient.
    /// Parameters without a gradient are skipped. <paramref name="normType"/> may be
    /// <see cref="double.PositiveInfinity"/> (largest absolute element).
    /// </summary>
    /// <returns>The total norm before clipping, a 0-dimensional tensor the caller owns (0 when no parameter has a gradient).</returns>
    /// <exception cref="ArithmeticException">With <paramref name="errorIfNonfinite"/>, when the total norm is NaN or infinite.</exception>
    public static Tensor ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var noGrad = Autograd.NoGrad();
        using var scope = DisposeScope.Enter();
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return scope.Keep(Tensor.FromScalar(0.0));
        var device = grads[0].Device;
        Tensor total;
        if (double.IsPositiveInfinity(normType))
        {
            var norms = grads.Select(g => g.Abs().Max().To(device)).ToList();
            total = norms.Count == 1 ? norms[0] : Tensor.Stack(norms).Max();
        }
        else
        {
            var norms = grads.Select(g => g.Norm(normType).To(device)).ToList();
            total = Tensor.Stack(norms).Norm(normType);
        }
        if (errorIfNonfinite && !double.IsFinite(total.Item<double>()))
            throw new ArithmeticException($"the total norm of order {normType} of the gradients is non-finite ({total.Item<double>()}), so it cannot be clipped");
        // Python's `max_norm / (total_norm + 1e-6)` is Tensor.__rtruediv__, i.e. reciprocal() * max_norm.
        var clipCoef = (total + 1e-6).Reciprocal().Mul(maxNorm);
        var clamped = clipCoef.ClampMax(1.0);
        foreach (var g in grads)
        {
            using var coef = clamped.To(g.Device);
            g.Mul_(coef);
        }
        return scope.Keep(total);
    }

    /// <summary>Clamps every gradient element of <paramref name="parameters"/> into [−clipValue, clipValue] in place (<c>clip_grad_value_</c>).</summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var noGrad = Autograd.NoGrad();
        foreach (var p in parameters)
        {
            using var g = p.Grad;
            g?.Clamp_(-clipValue, clipValue);
        }
    }
}
