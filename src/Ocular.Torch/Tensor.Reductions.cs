using Ocular.Torch.Interop;

namespace Ocular.Torch;

public partial class Tensor
{
    private static unsafe IntPtr Dims(long[]? dims, Func<IntPtr, int, IntPtr> call)
    {
        if (dims is null) return call(IntPtr.Zero, -1);
        fixed (long* p = dims) return call((IntPtr)p, dims.Length);
    }

    /// <summary>Sum of all elements.</summary>
    public unsafe Tensor Sum() => Wrap(Native.ocl_sum(Handle, null, -1, 0, -1));

    /// <summary>Sum over <paramref name="dim"/>.</summary>
    public Tensor Sum(long dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Sum over <paramref name="dims"/> (all when null), optionally accumulated in <paramref name="dtype"/>.</summary>
    public unsafe Tensor Sum(long[]? dims, bool keepDim = false, ScalarType? dtype = null) =>
        Wrap(Dims(dims, (p, n) => Native.ocl_sum(Handle, (long*)p, n, keepDim ? 1 : 0, dtype is null ? -1 : (int)dtype)));

    /// <summary>Mean of all elements.</summary>
    public unsafe Tensor Mean() => Wrap(Native.ocl_mean(Handle, null, -1, 0, -1));

    /// <summary>Mean over <paramref name="dim"/>.</summary>
    public Tensor Mean(long dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>Mean over <paramref name="dims"/> (all when null), optionally computed in <paramref name="dtype"/>.</summary>
    public unsafe Tensor Mean(long[]? dims, bool keepDim = false, ScalarType? dtype = null) =>
        Wrap(Dims(dims, (p, n) => Native.ocl_mean(Handle, (long*)p, n, keepDim ? 1 : 0, dtype is null ? -1 : (int)dtype)));

    /// <summary>Product of all elements, or over <paramref name="dim"/>.</summary>
    public Tensor Prod(long? dim = null, bool keepDim = false) =>
        Wrap(Native.ocl_prod(Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepDim ? 1 : 0));

    /// <summary>The largest element.</summary>
    public Tensor Max() => Wrap(Native.ocl_extreme_all(0, Handle));

    /// <summary>The smallest element.</summary>
    public Tensor Min() => Wrap(Native.ocl_extreme_all(1, Handle));

    /// <summary>Largest values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        TorchException.Check(Native.ocl_extreme_dim(0, Handle, dim, keepDim ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Smallest values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false)
    {
        TorchException.Check(Native.ocl_extreme_dim(1, Handle, dim, keepDim ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Maximum over <paramref name="dims"/> (all when empty); gradient spread evenly over ties.</summary>
    public unsafe Tensor Amax(long[] dims, bool keepDim = false)
    {
        fixed (long* p = dims) return Wrap(Native.ocl_amax_amin(0, Handle, p, dims.Length, keepDim ? 1 : 0));
    }

    /// <summary>Minimum over <paramref name="dims"/> (all when empty); gradient spread evenly over ties.</summary>
    public unsafe Tensor Amin(long[] dims, bool keepDim = false)
    {
        fixed (long* p = dims) return Wrap(Native.ocl_amax_amin(1, Handle, p, dims.Length, keepDim ? 1 : 0));
    }

    /// <summary>Maximum over <paramref name="dim"/> (as <c>t.amax(dim)</c>).</summary>
    public Tensor Amax(long dim, bool keepDim = false) => Amax([dim], keepDim);

    /// <summary>Minimum over <paramref name="dim"/> (as <c>t.amin(dim)</c>).</summary>
    public Tensor Amin(long dim, bool keepDim = false) => Amin([dim], keepDim);

    /// <summary>Index of the largest element (flattened), or along <paramref name="dim"/>.</summary>
    public Tensor Argmax(long? dim = null, bool keepDim = false) =>
        Wrap(Native.ocl_arg_extreme(0, Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepDim ? 1 : 0));

    /// <summary>Index of the smallest element (flattened), or along <paramref name="dim"/>.</summary>
    public Tensor Argmin(long? dim = null, bool keepDim = false) =>
        Wrap(Native.ocl_arg_extreme(1, Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepDim ? 1 : 0));

    /// <summary>The <paramref name="k"/> largest (or smallest) values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        TorchException.Check(Native.ocl_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Sorted values along <paramref name="dim"/> and the permutation; <paramref name="stable"/> keeps ties in order.</summary>
    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false, bool stable = false)
    {
        TorchException.Check(Native.ocl_sort(Handle, dim, descending ? 1 : 0, stable ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>The permutation that sorts along <paramref name="dim"/>.</summary>
    public Tensor Argsort(long dim = -1, bool descending = false, bool stable = false)
    {
        var (values, indices) = Sort(dim, descending, stable);
        values.Dispose();
        return indices;
    }

    /// <summary>The <paramref name="k"/>-th smallest value (1-based) along <paramref name="dim"/> and its index.</summary>
    public (Tensor Values, Tensor Indices) KthValue(long k, long dim = -1, bool keepDim = false)
    {
        TorchException.Check(Native.ocl_kthvalue(Handle, k, dim, keepDim ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>The <paramref name="q"/>-quantile (over all elements, or along <paramref name="dim"/>); interpolation as <c>torch.quantile</c>.</summary>
    public Tensor Quantile(double q, long? dim = null, bool keepDim = false, string interpolation = "linear")
    {
        using var qt = FromScalar(q, DType, Device);
        return Quantile(qt, dim, keepDim, interpolation);
    }

    /// <summary>Quantiles for each value of <paramref name="q"/> (a 0-D or 1-D tensor of this tensor's type).</summary>
    public Tensor Quantile(Tensor q, long? dim = null, bool keepDim = false, string interpolation = "linear") =>
        Wrap(Native.ocl_quantile(Handle, q.Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepDim ? 1 : 0, interpolation));

    /// <summary>Standard deviation over <paramref name="dims"/> (all when null) with <paramref name="correction"/> (1 = unbiased).</summary>
    public unsafe Tensor Std(long[]? dims = null, long correction = 1, bool keepDim = false) =>
        Wrap(Dims(dims, (p, n) => Native.ocl_std_var(0, Handle, (long*)p, n, correction, keepDim ? 1 : 0)));

    /// <summary>Variance over <paramref name="dims"/> (all when null) with <paramref name="correction"/> (1 = unbiased).</summary>
    public unsafe Tensor Var(long[]? dims = null, long correction = 1, bool keepDim = false) =>
        Wrap(Dims(dims, (p, n) => Native.ocl_std_var(1, Handle, (long*)p, n, correction, keepDim ? 1 : 0)));

    /// <summary>Standard deviation over <paramref name="dim"/> (as <c>t.std(dim, correction=…)</c>).</summary>
    public Tensor Std(long dim, long correction = 1, bool keepDim = false) => Std([dim], correction, keepDim);

    /// <summary>Variance over <paramref name="dim"/> (as <c>t.var(dim, correction=…)</c>).</summary>
    public Tensor Var(long dim, long correction = 1, bool keepDim = false) => Var([dim], correction, keepDim);

    /// <summary>The vector p-norm over <paramref name="dims"/> (all when null).</summary>
    public unsafe Tensor Norm(double p = 2, long[]? dims = null, bool keepDim = false) =>
        Wrap(Dims(dims, (d, n) => Native.ocl_vector_norm(Handle, p, (long*)d, n, keepDim ? 1 : 0)));

    /// <summary>log Σ exp over <paramref name="dims"/>, computed stably.</summary>
    public unsafe Tensor LogSumExp(long[] dims, bool keepDim = false)
    {
        fixed (long* p = dims) return Wrap(Native.ocl_logsumexp(Handle, p, dims.Length, keepDim ? 1 : 0));
    }

    /// <summary>Cumulative sum along <paramref name="dim"/>.</summary>
    public Tensor CumSum(long dim) => Wrap(Native.ocl_cumulative(0, Handle, dim));

    /// <summary>Cumulative product along <paramref name="dim"/>.</summary>
    public Tensor CumProd(long dim) => Wrap(Native.ocl_cumulative(1, Handle, dim));

    /// <summary>True when every element (or every element along <paramref name="dim"/>) is non-zero.</summary>
    public Tensor All(long? dim = null, bool keepDim = false) =>
        Wrap(Native.ocl_all_any(0, Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepDim ? 1 : 0));

    /// <summary>True when some element (or some element along <paramref name="dim"/>) is non-zero.</summary>
    public Tensor Any(long? dim = null, bool keepDim = false) =>
        Wrap(Native.ocl_all_any(1, Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepDim ? 1 : 0));

    /// <summary>The number of non-zero elements over <paramref name="dims"/> (all when null).</summary>
    public unsafe Tensor CountNonzero(long[]? dims = null) =>
        Wrap(Dims(dims, (p, n) => Native.ocl_count_nonzero(Handle, (long*)p, n)));

    // ------------------------------------------------------------ linear algebra

    /// <summary>Matrix product with broadcasting (as <c>torch.matmul</c>).</summary>
    public Tensor Matmul(Tensor other) => Wrap(Native.ocl_matmul(Handle, other.Handle));

    /// <summary>Batched matrix product of [B, n, m] and [B, m, p].</summary>
    public Tensor Bmm(Tensor other) => Wrap(Native.ocl_bmm(Handle, other.Handle));

    /// <summary>Einstein summation, as <c>torch.einsum</c>.</summary>
    public static unsafe Tensor Einsum(string equation, params Tensor[] operands) =>
        Wrap(WithHandles(operands, (p, n) => Native.ocl_einsum(equation, (IntPtr*)p, n)));

    /// <summary>Singular value decomposition A = U·diag(S)·Vh (as <c>torch.linalg.svd</c>).</summary>
    public (Tensor U, Tensor S, Tensor Vh) Svd(bool fullMatrices = true)
    {
        TorchException.Check(Native.ocl_svd(Handle, fullMatrices ? 1 : 0, out var u, out var s, out var vh));
        return (new Tensor(u), new Tensor(s), new Tensor(vh));
    }
}
