using Ocular.Torch.Interop;

namespace Ocular.Torch;

public partial class Tensor
{
    /// <summary>Python-style indexing: <c>t[0, 1..3, TensorIndex.Ellipsis, mask]</c>. Basic indices give views.</summary>
    [System.Runtime.CompilerServices.IndexerName("Indexer")]
    public Tensor this[params TensorIndex[] indices]
    {
        get => ApplyIndices(indices);
        set
        {
            using var target = ApplyBasicIndices(indices, out var tensorIndices);
            if (tensorIndices is null) target.Copy_(value);
            else target.IndexPut_(tensorIndices, value);
        }
    }

    private Tensor ApplyIndices(TensorIndex[] indices)
    {
        var view = ApplyBasicIndices(indices, out var tensorIndices);
        if (tensorIndices is null) return view;
        using (view) return view.Index(tensorIndices);
    }

    // Applies integers, slices, ellipsis and new axes as views (as PyTorch's applySlicing does) and
    // returns the positions of tensor indices relative to the resulting view.
    private Tensor ApplyBasicIndices(TensorIndex[] indices, out Tensor?[]? tensorIndices)
    {
        var consuming = indices.Count(i => i.Kind is TensorIndex.IndexKind.Single or TensorIndex.IndexKind.Slice or TensorIndex.IndexKind.Tensor);
        if (consuming > Dim) throw new IndexOutOfRangeException($"too many indices ({consuming}) for a tensor of dimension {Dim}");
        if (indices.Count(i => i.Kind == TensorIndex.IndexKind.Ellipsis) > 1) throw new ArgumentException("an index can have only one ellipsis");

        var result = Alias();
        var positions = new List<Tensor?>();
        var hasTensor = false;
        long dim = 0;
        foreach (var index in indices)
        {
            Tensor next;
            switch (index.Kind)
            {
                case TensorIndex.IndexKind.Single:
                    next = result.Select(dim, index.Value);
                    break;
                case TensorIndex.IndexKind.Slice:
                    next = result.Slice(dim, index.Start, index.End, index.Step);
                    positions.Add(null);
                    dim++;
                    break;
                case TensorIndex.IndexKind.NewAxis:
                    next = result.Unsqueeze(dim);
                    positions.Add(null);
                    dim++;
                    break;
                case TensorIndex.IndexKind.Ellipsis:
                    var span = Dim - consuming;
                    for (var k = 0; k < span; k++) positions.Add(null);
                    dim += span;
                    continue;
                default:
                    positions.Add(index.Tensor);
                    hasTensor = true;
                    dim++;
                    continue;
            }
            result.Dispose();
            result = next;
        }
        tensorIndices = hasTensor ? positions.ToArray() : null;
        return result;
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
