using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch;

/// <summary>
/// An n-dimensional array in libtorch, with autograd. A tensor owns native memory: dispose it
/// (or create it inside a <see cref="DisposeScope"/>); the finalizer is only a safety net.
/// Operation names follow PyTorch's.
/// </summary>
public partial class Tensor : IDisposable
{
    private TensorHandle _handle;
    private long[]? _shape;

    internal Tensor(IntPtr handle)
    {
        _handle = new TensorHandle(handle);
        DisposeScope.Register(this);
    }

    /// <summary>Wraps a handle returned by the shim, or throws the shim's last error when it is null.</summary>
    internal static Tensor Wrap(IntPtr handle) =>
        handle == IntPtr.Zero ? throw TorchException.FromLastError() : new Tensor(handle);

    /// <summary>Wraps a handle that may legitimately be null (e.g. an absent gradient).</summary>
    internal static Tensor? WrapOptional(IntPtr handle) => handle == IntPtr.Zero ? null : new Tensor(handle);

    internal TensorHandle Handle
    {
        get
        {
            if (_handle.IsClosed)
                throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed (by Dispose() or its DisposeScope) and cannot be used");
            return _handle;
        }
    }

    internal static TensorHandle HandleOf(Tensor? t) => t?.Handle ?? TensorHandle.Null;

    internal DisposeScope? Scope { get; set; }

    /// <summary>True once the native tensor has been released.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Releases the native tensor now.</summary>
    public void Dispose()
    {
        Scope = null;
        _handle.Dispose();
    }

    internal void DisposeFromScope() => _handle.Dispose();

    /// <summary>
    /// Makes this object refer to <paramref name="replacement"/>'s native tensor (which is consumed),
    /// as PyTorch's <c>param.data = …</c> does when a module moves to another device or type.
    /// </summary>
    internal void ReplaceWith(Tensor replacement)
    {
        var old = _handle;
        _handle = replacement._handle;
        _shape = null;
        var closed = new TensorHandle();
        closed.Dispose();
        replacement._handle = closed;
        replacement.Scope = null;
        old.Dispose();
    }

    // ------------------------------------------------------------ metadata

    /// <summary>The number of dimensions.</summary>
    public int Dim => ShapeArray.Length;

    /// <summary>The size of each dimension (a copy).</summary>
    public long[] Shape => (long[])ShapeArray.Clone();

    private long[] ShapeArray
    {
        get
        {
            if (_shape is not null) return _shape;
            var n = Native.ocl_dim(Handle);
            var shape = new long[n];
            unsafe
            {
                fixed (long* p = shape) Native.ocl_sizes(Handle, p);
            }
            return _shape = shape;
        }
    }

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var s = ShapeArray;
        var d = dim < 0 ? dim + s.Length : dim;
        if (d < 0 || d >= s.Length)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"dimension out of range for a tensor of shape {ShapeString(s)}");
        return s[d];
    }

    /// <summary>The strides of each dimension, in elements.</summary>
    public long[] Strides
    {
        get
        {
            var strides = new long[Dim];
            unsafe
            {
                fixed (long* p = strides) Native.ocl_strides(Handle, p);
            }
            return strides;
        }
    }

    /// <summary>The number of elements.</summary>
    public long NumEl => Native.ocl_numel(Handle);

    /// <summary>The element type.</summary>
    public ScalarType DType => (ScalarType)Native.ocl_dtype(Handle);

    /// <summary>The device the tensor lives on.</summary>
    public Device Device
    {
        get
        {
            Native.ocl_device(Handle, out var type, out var index);
            return new Device((DeviceType)type, index);
        }
    }

    /// <summary>True when the elements are stored contiguously in row-major order.</summary>
    public bool IsContiguous => Native.ocl_is_contiguous(Handle) != 0;

    /// <summary>True when a 4-D tensor is stored channels-last (NHWC; PyTorch's <c>is_contiguous(memory_format=torch.channels_last)</c>).</summary>
    public bool IsChannelsLast => Native.ocl_is_channels_last(Handle) != 0;

    /// <summary>The offset of the first element in the storage, in elements.</summary>
    public long StorageOffset => Native.ocl_storage_offset(Handle);

    /// <summary>A shape as PyTorch prints it, e.g. <c>[2, 3, 224, 224]</c>.</summary>
    public static string ShapeString(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Summary: shape, element type and device.</summary>
    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor({ShapeString(ShapeArray)}, {DType.TorchName()}, {Device})";

    /// <summary>The elements as libtorch prints them.</summary>
    public string ToDisplayString()
    {
        var p = Native.ocl_to_string(Handle);
        if (p == IntPtr.Zero) throw TorchException.FromLastError();
        return Marshal.PtrToStringUTF8(p) ?? "";
    }

    // ------------------------------------------------------------ helpers for wrappers

    /// <summary>Runs a shim call over a list of tensors, keeping them alive for its duration.</summary>
    internal static unsafe IntPtr WithHandles(IReadOnlyList<Tensor> tensors, Func<IntPtr, int, IntPtr> call)
    {
        var handles = new IntPtr[tensors.Count];
        var added = new bool[tensors.Count];
        try
        {
            for (var i = 0; i < tensors.Count; i++)
            {
                tensors[i].Handle.DangerousAddRef(ref added[i]);
                handles[i] = tensors[i].Handle.DangerousGetHandle();
            }
            fixed (IntPtr* p = handles) return call((IntPtr)p, handles.Length);
        }
        finally
        {
            for (var i = 0; i < tensors.Count; i++)
                if (added[i]) tensors[i]._handle.DangerousRelease();
        }
    }

    internal static Tensor[] WrapList(IntPtr[] handles, int count)
    {
        if (count < 0) throw TorchException.FromLastError();
        var result = new Tensor[count];
        for (var i = 0; i < count; i++) result[i] = new Tensor(handles[i]);
        return result;
    }
}
