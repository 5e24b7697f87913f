using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch;

public partial class Tensor
{
    /// <summary>The elements in row-major order; the element type must match <typeparamref name="T"/>.</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var result = new T[NumEl];
        fixed (T* p = result)
            TorchException.Check(Native.ocl_copy_to_buffer(Handle, p, (long)result.Length * sizeof(T)));
        return result;
    }

    /// <summary>Copies the elements in row-major order into <paramref name="destination"/>, which must hold exactly <see cref="NumEl"/> elements.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckElementType<T>();
        fixed (T* p = destination)
            TorchException.Check(Native.ocl_copy_to_buffer(Handle, p, (long)destination.Length * sizeof(T)));
    }

    /// <summary>
    /// The raw bytes of the elements in row-major order (any element type, including bfloat16).
    /// </summary>
    public unsafe byte[] ToBytes()
    {
        var result = new byte[NumEl * DType.ElementSize()];
        fixed (byte* p = result) TorchException.Check(Native.ocl_copy_to_buffer(Handle, p, result.Length));
        return result;
    }

    /// <summary>
    /// A view of the elements of a contiguous CPU tensor, valid while the tensor is alive and
    /// not resized. Writes go straight into the tensor.
    /// </summary>
    public unsafe Span<T> DataSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var p = Native.ocl_data_ptr(Handle);
        if (p == IntPtr.Zero) throw TorchException.FromLastError();
        return new Span<T>((void*)p, checked((int)NumEl));
    }

    /// <summary>The single value of a one-element tensor, converted to <typeparamref name="T"/>.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(double) || typeof(T) == typeof(float) || typeof(T) == typeof(Half))
        {
            TorchException.Check(Native.ocl_item_double(Handle, out var d));
            if (typeof(T) == typeof(double)) return (T)(object)d;
            if (typeof(T) == typeof(float)) return (T)(object)(float)d;
            return (T)(object)(Half)d;
        }
        TorchException.Check(Native.ocl_item_long(Handle, out var l));
        if (typeof(T) == typeof(long)) return (T)(object)l;
        if (typeof(T) == typeof(int)) return (T)(object)checked((int)l);
        if (typeof(T) == typeof(bool)) return (T)(object)(l != 0);
        if (typeof(T) == typeof(byte)) return (T)(object)checked((byte)l);
        throw new NotSupportedException($"Item<{typeof(T).Name}> is not supported");
    }

    private void CheckElementType<T>() where T : unmanaged
    {
        var want = ScalarTypes.Of<T>();
        if (want != DType)
            throw new InvalidOperationException($"the tensor holds {DType.TorchName()} elements, not {typeof(T).Name} ({want.TorchName()}); convert it with To({want}) first");
    }

    // ------------------------------------------------------------ conversion

    /// <summary>The tensor converted to <paramref name="dtype"/> (itself, as a new handle, when already of that type).</summary>
    public Tensor To(ScalarType dtype, bool copy = false) => To(dtype, Device, copy);

    /// <summary>The tensor moved to <paramref name="device"/>.</summary>
    public Tensor To(Device device, bool copy = false) => To(DType, device, copy);

    /// <summary>The tensor converted to <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public Tensor To(ScalarType dtype, Device device, bool copy = false) =>
        Wrap(Native.ocl_to(Handle, (int)dtype, (int)device.Type, device.Index, copy ? 1 : 0));

    /// <summary>A copy with its own storage (autograd records the copy).</summary>
    public Tensor Clone() => Wrap(Native.ocl_clone(Handle));

    /// <summary>A contiguous tensor with the same values (itself, as a new handle, when already contiguous).</summary>
    public Tensor Contiguous() => Wrap(Native.ocl_contiguous(Handle));

    /// <summary>
    /// The same [N, C, H, W] values stored channels-last (NHWC, PyTorch's <c>x.to(memory_format=torch.channels_last)</c>):
    /// oneDNN's convolutions then keep every activation in NHWC instead of reordering NCHW at each layer, about 1.5× faster
    /// on CPU for ResNet-50 inference, and bfloat16 convolutions want it too. The values are identical; results may differ by
    /// rounding. A tensor that is not 4-D, or whose strides already suggest channels-last, is returned as an alias (a new
    /// handle to the same tensor); one whose strides fit both layouts (a [O, I, 1, 1] kernel stored row-major) is restrided,
    /// as PyTorch's <c>to</c> does, since convolutions read the layout from the strides.
    /// </summary>
    public Tensor ToChannelsLast() => Dim == 4 ? Wrap(Native.ocl_channels_last(Handle)) : Alias();

    /// <summary>A new handle to the same tensor: same storage and autograd identity, disposed independently.</summary>
    public Tensor Alias() => Wrap(Native.ocl_alias(Handle));
}
