using Ocular.Torch.Interop;

namespace Ocular.Torch;

public partial class Tensor
{
    /// <summary>
    /// Python-style indexing, exactly as PyTorch's <c>t[...]</c>: integers, slices (<c>1..^1</c>,
    /// <see cref="TensorIndex.Slice"/>), <see cref="TensorIndex.Ellipsis"/>, <see cref="TensorIndex.NewAxis"/>,
    /// int64 index tensors and boolean masks, e.g. <c>t[1, .., 1..^1, TensorIndex.Ellipsis, TensorIndex.NewAxis, idx, mask]</c>.
    /// Integers and slices give views; index tensors and masks give copies. Out-of-range indices raise
    /// <see cref="TorchException"/> with libtorch's message. Setting writes in place (broadcasting the value).
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("Indexer")]
    public unsafe Tensor this[params TensorIndex[] indices]
    {
        get => Wrap(WithIndices(indices, (k, v, t, n) => Native.ocl_index_get(Handle, k, v, t, n)));
        set => TorchException.Check((int)WithIndices(indices, (k, v, t, n) =>
            Native.ocl_index_set(Handle, k, v, t, n, value.Handle, default)));
    }

    /// <summary>In place: <c>t[indices] = value</c> for a number, as Python's <c>t[mask] = 0.5</c> (the value takes this tensor's type).</summary>
    public unsafe Tensor IndexPut_(TensorIndex[] indices, Scalar value)
    {
        TorchException.Check((int)WithIndices(indices, (k, v, t, n) =>
            Native.ocl_index_set(Handle, k, v, t, n, TensorHandle.Null, value.Native)));
        return this;
    }

    private unsafe delegate IntPtr IndexCall(int* kinds, long* values, IntPtr* tensors, int n);

    // Marshals an indexing expression for the shim (native/src/tensor.cpp, python_indices), keeping
    // the index tensors alive for the duration of the call.
    private static unsafe IntPtr WithIndices(TensorIndex[] indices, IndexCall call)
    {
        var n = indices.Length;
        var kinds = new int[n];
        var values = new long[3 * n];
        var handles = new IntPtr[n];
        var tensors = new List<Tensor>();
        for (var i = 0; i < n; i++)
        {
            var index = indices[i];
            kinds[i] = (int)index.Kind;
            (values[3 * i], values[3 * i + 1], values[3 * i + 2]) = index.Kind == TensorIndex.IndexKind.Single
                ? (index.Value, 0, 0)
                : (index.Start, index.End, index.Step);
            if (index.Tensor is not null) tensors.Add(index.Tensor);
        }
        return WithHandles(tensors, (_, _) =>
        {
            for (var i = 0; i < n; i++) handles[i] = indices[i].Tensor?.Handle.DangerousGetHandle() ?? IntPtr.Zero;
            fixed (int* k = kinds)
            fixed (long* v = values)
            fixed (IntPtr* t = handles)
                return call(k, v, t, n);
        });
    }

    /// <summary>Advanced indexing <c>t[i0, i1, …]</c> with index or mask tensors; null stands for a full slice.</summary>
    public unsafe Tensor Index(params Tensor?[] indices)
    {
        var handles = new IntPtr[indices.Length];
        var present = indices.Where(t => t is not null).Select(t => t!).ToList();
        return Wrap(WithHandles(present, (_, _) =>
        {
            for (var i = 0; i < indices.Length; i++) handles[i] = indices[i]?.Handle.DangerousGetHandle() ?? IntPtr.Zero;
            fixed (IntPtr* p = handles) return Native.ocl_index(Handle, p, handles.Length);
        }));
    }

    /// <summary>In place: <c>t[i0, i1, …] = values</c> (or <c>+=</c> with <paramref name="accumulate"/>).</summary>
    public unsafe Tensor IndexPut_(Tensor?[] indices, Tensor values, bool accumulate = false)
    {
        var handles = new IntPtr[indices.Length];
        var present = indices.Where(t => t is not null).Select(t => t!).ToList();
        var rc = WithHandles(present, (_, _) =>
        {
            for (var i = 0; i < indices.Length; i++) handles[i] = indices[i]?.Handle.DangerousGetHandle() ?? IntPtr.Zero;
            fixed (IntPtr* p = handles) return (IntPtr)Native.ocl_index_put_(Handle, p, handles.Length, values.Handle, accumulate ? 1 : 0);
        });
        TorchException.Check((int)rc);
        return this;
    }

    /// <summary>The entries at <paramref name="index"/> (int64, 1-D) along <paramref name="dim"/>.</summary>
    public Tensor IndexSelect(long dim, Tensor index) => Wrap(Native.ocl_index_select(Handle, dim, index.Handle));

    /// <summary><c>out[i][j] = t[i][index[i][j]]</c> along <paramref name="dim"/>.</summary>
    public Tensor Gather(long dim, Tensor index) => Wrap(Native.ocl_gather(Handle, dim, index.Handle));

    /// <summary>A copy with <paramref name="src"/> written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor Scatter(long dim, Tensor index, Tensor src) => Wrap(Native.ocl_scatter(Handle, dim, index.Handle, src.Handle, 0));

    /// <summary>A copy with <paramref name="value"/> written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor Scatter(long dim, Tensor index, Scalar value) => Wrap(Native.ocl_scatter_value(Handle, dim, index.Handle, value.Native));

    /// <summary>A copy with <paramref name="src"/> added at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor ScatterAdd(long dim, Tensor index, Tensor src) => Wrap(Native.ocl_scatter(Handle, dim, index.Handle, src.Handle, 1));

    /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor MaskedFill(Tensor mask, Scalar value) => Wrap(Native.ocl_masked_fill(Handle, mask.Handle, value.Native));

    /// <summary>In place: <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor MaskedFill_(Tensor mask, Scalar value)
    {
        TorchException.Check(Native.ocl_masked_fill_(Handle, mask.Handle, value.Native));
        return this;
    }

    /// <summary>The elements where <paramref name="mask"/> is true, as a 1-D tensor.</summary>
    public Tensor MaskedSelect(Tensor mask) => Wrap(Native.ocl_masked_select(Handle, mask.Handle));

    /// <summary>The indices of non-zero elements, one row per element ([count, dim]).</summary>
    public Tensor Nonzero() => Wrap(Native.ocl_nonzero(Handle));
}
