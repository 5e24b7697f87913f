using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch.Serialization;

/// <summary>
/// Reads raw element bytes from a stream straight into a new tensor's memory, in chunks, so a large
/// storage is neither staged in a managed array nor limited to 2 GiB.
/// </summary>
internal static class TensorBytes
{
    private const int Chunk = 1 << 20;

    /// <summary>
    /// A new CPU tensor of <paramref name="shape"/> whose elements are the next bytes of
    /// <paramref name="input"/> (row-major), byte-swapped per element when <paramref name="swapBytes"/>.
    /// The tensor belongs to no <see cref="DisposeScope"/>. Throws <see cref="EndOfStreamException"/>
    /// when the stream ends early.
    /// </summary>
    public static unsafe Tensor Read(Stream input, ScalarType dtype, long[] shape, bool swapBytes = false)
    {
        var tensor = DisposeScope.Detach(Tensor.Empty(shape, dtype));
        try
        {
            var total = checked(tensor.NumEl * dtype.ElementSize());
            if (total == 0) return tensor;
            var p = (byte*)Native.ocl_data_ptr(tensor.Handle);
            if (p == null) throw TorchException.FromLastError();
            for (long done = 0; done < total;)
            {
                var n = (int)Math.Min(Chunk, total - done);
                var span = new Span<byte>(p + done, n);
                input.ReadExactly(span);
                if (swapBytes) SwapBytes(span, dtype.ElementSize());
                done += n;
            }
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Reverses the byte order of each element of <paramref name="size"/> bytes (big- ↔ little-endian).</summary>
    public static void SwapBytes(Span<byte> bytes, int size)
    {
        switch (size)
        {
            case 2: var s = MemoryMarshal.Cast<byte, ushort>(bytes); BinaryPrimitives.ReverseEndianness(s, s); break;
            case 4: var i = MemoryMarshal.Cast<byte, uint>(bytes); BinaryPrimitives.ReverseEndianness(i, i); break;
            case 8: var l = MemoryMarshal.Cast<byte, ulong>(bytes); BinaryPrimitives.ReverseEndianness(l, l); break;
        }
    }
}
