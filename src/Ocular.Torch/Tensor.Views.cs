using Ocular.Torch.Interop;

namespace Ocular.Torch;

public partial class Tensor
{
    /// <summary>The same elements in a new shape (a view when possible); one dimension may be −1.</summary>
    public unsafe Tensor Reshape(params long[] shape)
    {
        fixed (long* p = shape) return Wrap(Native.ocl_reshape(Handle, p, shape.Length));
    }

    /// <summary>A view with a new shape; fails when the strides do not allow it.</summary>
    public unsafe Tensor View(params long[] shape)
    {
        fixed (long* p = shape) return Wrap(Native.ocl_view(Handle, p, shape.Length));
    }

    /// <summary>Reorders the dimensions.</summary>
    public unsafe Tensor Permute(params long[] order)
    {
        fixed (long* p = order) return Wrap(Native.ocl_permute(Handle, p, order.Length));
    }

    /// <summary>Swaps two dimensions.</summary>
    public Tensor Transpose(long dim0, long dim1) => Wrap(Native.ocl_transpose(Handle, dim0, dim1));

    /// <summary>Removes every dimension of size 1.</summary>
    public Tensor Squeeze() => Wrap(Native.ocl_squeeze(Handle));

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1.</summary>
    public Tensor Squeeze(long dim) => Wrap(Native.ocl_squeeze_dim(Handle, dim));

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(long dim) => Wrap(Native.ocl_unsqueeze(Handle, dim));

    /// <summary>Broadcasts to a larger shape without copying (−1 keeps a dimension).</summary>
    public unsafe Tensor Expand(params long[] shape)
    {
        fixed (long* p = shape) return Wrap(Native.ocl_expand(Handle, p, shape.Length));
    }

    /// <summary>Broadcasts to the shape of <paramref name="other"/>.</summary>
    public Tensor ExpandAs(Tensor other) => Expand(other.Shape);

    /// <summary>Flattens dimensions <paramref name="startDim"/> … <paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(long startDim = 0, long endDim = -1) => Wrap(Native.ocl_flatten(Handle, startDim, endDim));

    /// <summary>The view of <paramref name="length"/> elements of <paramref name="dim"/> from <paramref name="start"/>.</summary>
    public Tensor Narrow(long dim, long start, long length) => Wrap(Native.ocl_narrow(Handle, dim, start, length));

    /// <summary>The view at <paramref name="index"/> of <paramref name="dim"/>, which is removed.</summary>
    public Tensor Select(long dim, long index) => Wrap(Native.ocl_select(Handle, dim, index));

    /// <summary>Python's <c>t[..., start:end:step, ...]</c> along <paramref name="dim"/> (<see cref="long.MaxValue"/> for an open end).</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) => Wrap(Native.ocl_slice(Handle, dim, start, end, step));

    /// <summary>A view with explicit sizes, strides (in elements) and storage offset.</summary>
    public unsafe Tensor AsStrided(long[] size, long[] stride, long storageOffset = 0)
    {
        if (size.Length != stride.Length) throw new ArgumentException($"AsStrided: {size.Length} sizes but {stride.Length} strides");
        fixed (long* a = size)
        fixed (long* b = stride)
            return Wrap(Native.ocl_as_strided(Handle, a, b, size.Length, storageOffset));
    }

    /// <summary>Tiles the tensor <paramref name="repeats"/> times along each dimension.</summary>
    public unsafe Tensor Repeat(params long[] repeats)
    {
        fixed (long* p = repeats) return Wrap(Native.ocl_repeat(Handle, p, repeats.Length));
    }

    /// <summary>Reverses the order of elements along the given dimensions.</summary>
    public unsafe Tensor Flip(params long[] dims)
    {
        fixed (long* p = dims) return Wrap(Native.ocl_flip(Handle, p, dims.Length));
    }

    /// <summary>Rolls elements along dimensions (elements leaving one end re-enter at the other).</summary>
    public unsafe Tensor Roll(long[] shifts, long[] dims)
    {
        if (shifts.Length != dims.Length) throw new ArgumentException($"Roll: {shifts.Length} shifts but {dims.Length} dimensions");
        fixed (long* s = shifts)
        fixed (long* d = dims)
            return Wrap(Native.ocl_roll(Handle, s, d, dims.Length));
    }

    // ------------------------------------------------------------ joining and splitting

    /// <summary>Concatenates tensors along an existing dimension.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) =>
        Wrap(WithHandles(tensors, (p, n) => { unsafe { return Native.ocl_cat((IntPtr*)p, n, dim); } }));

    /// <summary>Stacks tensors of equal shape along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) =>
        Wrap(WithHandles(tensors, (p, n) => { unsafe { return Native.ocl_stack((IntPtr*)p, n, dim); } }));

    private long DimSize(long dim) => Size(checked((int)dim));

    /// <summary>Splits into pieces of <paramref name="splitSize"/> along <paramref name="dim"/> (the last may be smaller).</summary>
    public unsafe Tensor[] Split(long splitSize, long dim = 0)
    {
        if (splitSize <= 0) throw new ArgumentOutOfRangeException(nameof(splitSize), splitSize, "split size must be positive");
        var cap = (int)Math.Max(1, (DimSize(dim) + splitSize - 1) / splitSize);
        var output = new IntPtr[cap];
        fixed (IntPtr* o = output) return WrapList(output, Native.ocl_split(Handle, splitSize, dim, o, cap));
    }

    /// <summary>Splits into pieces of the given sizes along <paramref name="dim"/>.</summary>
    public unsafe Tensor[] Split(long[] sizes, long dim = 0)
    {
        var output = new IntPtr[Math.Max(1, sizes.Length)];
        fixed (long* s = sizes)
        fixed (IntPtr* o = output)
            return WrapList(output, Native.ocl_split_sizes(Handle, s, sizes.Length, dim, o, output.Length));
    }

    /// <summary>Splits into at most <paramref name="chunks"/> pieces along <paramref name="dim"/>.</summary>
    public unsafe Tensor[] Chunk(long chunks, long dim = 0)
    {
        if (chunks <= 0) throw new ArgumentOutOfRangeException(nameof(chunks), chunks, "the number of chunks must be positive");
        var output = new IntPtr[chunks];
        fixed (IntPtr* o = output) return WrapList(output, Native.ocl_chunk(Handle, chunks, dim, o, output.Length));
    }

    /// <summary>The slices along <paramref name="dim"/>, which is removed.</summary>
    public unsafe Tensor[] Unbind(long dim = 0)
    {
        var output = new IntPtr[Math.Max(1, DimSize(dim))];
        fixed (IntPtr* o = output) return WrapList(output, Native.ocl_unbind(Handle, dim, o, output.Length));
    }
}
