using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch;

public partial class Tensor
{
    private static Device DeviceOrCpu(Device? device) => device ?? Device.Cpu;

    /// <summary>A tensor with a copy of <paramref name="data"/> in the given shape (the element type follows <typeparamref name="T"/>).</summary>
    public static Tensor FromArray<T>(T[] data, params long[] shape) where T : unmanaged =>
        FromSpan<T>(data, shape.Length == 0 ? [data.LongLength] : shape);

    /// <summary>A tensor with a copy of <paramref name="data"/> in the given shape.</summary>
    public static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, long[] shape) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(data);
        return FromBytes(bytes, ScalarTypes.Of<T>(), shape);
    }

    /// <summary>A tensor of <paramref name="dtype"/> whose elements are the raw bytes <paramref name="bytes"/> (little-endian, row-major).</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType dtype, long[] shape)
    {
        fixed (byte* d = bytes)
        fixed (long* s = shape)
            return Wrap(Native.ocl_from_data(d, bytes.Length, s, shape.Length, (int)dtype));
    }

    /// <summary>A zero-dimensional tensor holding <paramref name="value"/> (type as <see cref="Full"/>: int64, bool or float32 unless given).</summary>
    public static Tensor FromScalar(Scalar value, ScalarType? dtype = null, Device? device = null) =>
        Full([], value, dtype, device);

    /// <summary>An uninitialised tensor.</summary>
    public static unsafe Tensor Empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false)
    {
        var d = DeviceOrCpu(device);
        fixed (long* s = shape) return Wrap(Native.ocl_empty(s, shape.Length, (int)dtype, (int)d.Type, d.Index)).RequiresGradIf(requiresGrad);
    }

    /// <summary>A float32 tensor of zeros.</summary>
    public static Tensor Zeros(params long[] shape) => Zeros(shape, ScalarType.Float32);

    /// <summary>A tensor of zeros.</summary>
    public static unsafe Tensor Zeros(long[] shape, ScalarType dtype, Device? device = null, bool requiresGrad = false)
    {
        var d = DeviceOrCpu(device);
        fixed (long* s = shape) return Wrap(Native.ocl_zeros(s, shape.Length, (int)dtype, (int)d.Type, d.Index)).RequiresGradIf(requiresGrad);
    }

    /// <summary>A float32 tensor of ones.</summary>
    public static Tensor Ones(params long[] shape) => Ones(shape, ScalarType.Float32);

    /// <summary>A tensor of ones.</summary>
    public static unsafe Tensor Ones(long[] shape, ScalarType dtype, Device? device = null, bool requiresGrad = false)
    {
        var d = DeviceOrCpu(device);
        fixed (long* s = shape) return Wrap(Native.ocl_ones(s, shape.Length, (int)dtype, (int)d.Type, d.Index)).RequiresGradIf(requiresGrad);
    }

    /// <summary>
    /// A tensor filled with <paramref name="value"/>. Without <paramref name="dtype"/> the type follows the
    /// value, as <c>torch.full</c>: int64 for an integer, bool for a boolean, float32 for a floating value.
    /// </summary>
    public static unsafe Tensor Full(long[] shape, Scalar value, ScalarType? dtype = null, Device? device = null, bool requiresGrad = false)
    {
        var d = DeviceOrCpu(device);
        var type = dtype ?? value.DefaultType;
        fixed (long* s = shape)
            return Wrap(Native.ocl_full(s, shape.Length, value.Native, (int)type, (int)d.Type, d.Index)).RequiresGradIf(requiresGrad);
    }

    /// <summary>A tensor of zeros with the shape, type and device of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like, ScalarType? dtype = null) => Zeros(like.Shape, dtype ?? like.DType, like.Device);

    /// <summary>A tensor of ones with the shape, type and device of <paramref name="like"/>.</summary>
    public static Tensor OnesLike(Tensor like, ScalarType? dtype = null) => Ones(like.Shape, dtype ?? like.DType, like.Device);

    /// <summary>A tensor filled with <paramref name="value"/>, with the shape, type and device of <paramref name="like"/>.</summary>
    public static Tensor FullLike(Tensor like, Scalar value, ScalarType? dtype = null) => Full(like.Shape, value, dtype ?? like.DType, like.Device);

    /// <summary>Values from 0 to <paramref name="end"/> (exclusive), as <c>torch.arange(end)</c>.</summary>
    public static Tensor Arange(Scalar end, ScalarType? dtype = null, Device? device = null) => Arange(0, end, 1, dtype, device);

    /// <summary>Values from <paramref name="start"/> to <paramref name="end"/> (exclusive) in steps; int64 when all are integers, else float32.</summary>
    public static Tensor Arange(Scalar start, Scalar end, Scalar step, ScalarType? dtype = null, Device? device = null)
    {
        var d = DeviceOrCpu(device);
        var type = dtype ?? (start.IsIntegral && end.IsIntegral && step.IsIntegral ? ScalarType.Int64 : ScalarType.Float32);
        return Wrap(Native.ocl_arange(start.Native, end.Native, step.Native, (int)type, (int)d.Type, d.Index));
    }

    /// <summary><paramref name="steps"/> evenly spaced values from <paramref name="start"/> to <paramref name="end"/> inclusive.</summary>
    public static Tensor Linspace(double start, double end, long steps, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = DeviceOrCpu(device);
        return Wrap(Native.ocl_linspace(start, end, steps, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>An identity matrix of <paramref name="n"/> rows and <paramref name="m"/> (default n) columns.</summary>
    public static Tensor Eye(long n, long? m = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = DeviceOrCpu(device);
        return Wrap(Native.ocl_eye(n, m ?? n, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    public static unsafe Tensor Rand(long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = DeviceOrCpu(device);
        fixed (long* s = shape) return Wrap(Native.ocl_rand(s, shape.Length, Generator.HandleOf(generator), (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Standard normal samples.</summary>
    public static unsafe Tensor Randn(long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = DeviceOrCpu(device);
        fixed (long* s = shape) return Wrap(Native.ocl_randn(s, shape.Length, Generator.HandleOf(generator), (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Integers uniformly drawn from [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static unsafe Tensor RandInt(long low, long high, long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        var d = DeviceOrCpu(device);
        fixed (long* s = shape) return Wrap(Native.ocl_randint(low, high, s, shape.Length, Generator.HandleOf(generator), (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Integers uniformly drawn from [0, <paramref name="high"/>) (as <c>torch.randint(high, size)</c>).</summary>
    public static Tensor RandInt(long high, long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        RandInt(0, high, shape, generator, dtype, device);

    /// <summary>A random permutation of 0 … n−1.</summary>
    public static Tensor RandPerm(long n, Generator? generator = null, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        var d = DeviceOrCpu(device);
        return Wrap(Native.ocl_randperm(n, Generator.HandleOf(generator), (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Bernoulli draws, each with the probability held by this tensor.</summary>
    public Tensor Bernoulli(Generator? generator = null) => Wrap(Native.ocl_bernoulli(Handle, Generator.HandleOf(generator)));

    /// <summary>Samples indices from the (unnormalised) probabilities in each row.</summary>
    public Tensor Multinomial(long samples, bool replacement = false, Generator? generator = null) =>
        Wrap(Native.ocl_multinomial(Handle, samples, replacement ? 1 : 0, Generator.HandleOf(generator)));

    /// <summary>Fills in place with uniform samples from [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Tensor Uniform_(double from = 0, double to = 1, Generator? generator = null)
    {
        TorchException.Check(Native.ocl_uniform_(Handle, from, to, Generator.HandleOf(generator)));
        return this;
    }

    /// <summary>Fills in place with normal samples.</summary>
    public Tensor Normal_(double mean = 0, double std = 1, Generator? generator = null)
    {
        TorchException.Check(Native.ocl_normal_(Handle, mean, std, Generator.HandleOf(generator)));
        return this;
    }

    /// <summary>Fills in place with Bernoulli(<paramref name="p"/>) draws.</summary>
    public Tensor Bernoulli_(double p, Generator? generator = null)
    {
        TorchException.Check(Native.ocl_bernoulli_(Handle, p, Generator.HandleOf(generator)));
        return this;
    }

    private Tensor RequiresGradIf(bool requiresGrad) => requiresGrad ? RequiresGrad_() : this;
}
