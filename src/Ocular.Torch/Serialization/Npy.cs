using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Ocular.Torch.Serialization;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files — the interchange format of saliency maps (float32,
/// C order). Format versions 1.0 and 2.0 are written (2.0 only for headers beyond 64 KiB, as
/// <c>numpy.save</c>), 1.0, 2.0 and 3.0 are read. Element types: float32 <c>&lt;f4</c>, float64
/// <c>&lt;f8</c>, float16 <c>&lt;f2</c>, int64 <c>&lt;i8</c>, int32 <c>&lt;i4</c>, int16 <c>&lt;i2</c>,
/// int8 <c>|i1</c>, uint8 <c>|u1</c> and bool <c>|b1</c>, little-endian. Fortran-order files are read
/// (and transposed into C order); files are always written in C order, byte for byte as
/// <c>numpy.save</c> writes them, and atomically.
/// </summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Align = 64;
    // numpy leaves room to grow the first dimension in place (format.GROWTH_AXIS_MAX_DIGITS).
    private const int GrowthDigits = 21;

    /// <summary>Writes <paramref name="tensor"/> (any device, any layout) to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">The element type has no NumPy equivalent (bfloat16).</exception>
    public static void Save(string path, Tensor tensor)
    {
        var descr = Descr(tensor.DType);
        var header = WrapHeader(Header(descr, tensor.Shape));
        var data = tensor.ToBytes();
        AtomicFile.Write(path, s =>
        {
            s.Write(header);
            s.Write(data);
        });
    }

    /// <summary>Reads an <c>.npy</c> file into a new contiguous CPU tensor (owned by the caller, in no <see cref="DisposeScope"/>).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not an .npy file, has an unsupported element type (e.g. big-endian <c>&gt;f4</c>,
    /// complex <c>&lt;c8</c>, structured), or its data does not match its shape; the message names the file.
    /// </exception>
    public static Tensor Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($".npy file not found: {path}", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var (dtype, fortran, shape) = ReadHeader(file, path);
        var numel = shape.Aggregate(1L, (a, b) => checked(a * b));
        var needed = checked(numel * dtype.ElementSize());
        var have = file.Length - file.Position;
        if (have < needed)
            throw new InvalidDataException($"{path}: the data is truncated: shape {Tensor.ShapeString(shape)} of {dtype.TorchName()} needs {needed} bytes but the file has {have} after the header");
        if (have > needed)
            throw new InvalidDataException($"{path}: shape {Tensor.ShapeString(shape)} of {dtype.TorchName()} needs {needed} bytes but the file has {have} after the header");
        if (!fortran) return TensorBytes.Read(file, dtype, shape);

        // Fortran order: the bytes are the C-order layout of the reversed shape; permuting the
        // dimensions back and copying gives the C-order tensor (numpy's own read does the same).
        var reversed = shape.Reverse().ToArray();
        using var raw = TensorBytes.Read(file, dtype, reversed);
        using var permuted = DisposeScope.Detach(raw.Permute(Enumerable.Range(0, shape.Length).Reverse().Select(i => (long)i).ToArray()));
        return DisposeScope.Detach(permuted.Contiguous());
    }

    // ------------------------------------------------------------ element types

    private static string Descr(ScalarType t) => t switch
    {
        ScalarType.Float32 => "<f4",
        ScalarType.Float64 => "<f8",
        ScalarType.Float16 => "<f2",
        ScalarType.Int64 => "<i8",
        ScalarType.Int32 => "<i4",
        ScalarType.Int16 => "<i2",
        ScalarType.Int8 => "|i1",
        ScalarType.UInt8 => "|u1",
        ScalarType.Bool => "|b1",
        _ => throw new ArgumentException($"{t.TorchName()} has no NumPy element type; convert the tensor (e.g. To(ScalarType.Float32)) before saving it as .npy"),
    };

    private static ScalarType ParseDescr(string descr, string path)
    {
        if (descr.Length >= 2)
        {
            var order = descr[0];
            var code = descr[1..];
            var oneByte = code is "i1" or "u1" or "b1";
            // '|' (not applicable) for single bytes; '<' or '=' (native, little-endian here) otherwise.
            var littleEndian = order == '<' || (order == '=' && BitConverter.IsLittleEndian) || (oneByte && order is '|' or '>' or '=');
            if (littleEndian)
            {
                ScalarType? t = code switch
                {
                    "f4" => ScalarType.Float32,
                    "f8" => ScalarType.Float64,
                    "f2" => ScalarType.Float16,
                    "i8" => ScalarType.Int64,
                    "i4" => ScalarType.Int32,
                    "i2" => ScalarType.Int16,
                    "i1" => ScalarType.Int8,
                    "u1" => ScalarType.UInt8,
                    "b1" => ScalarType.Bool,
                    _ => null,
                };
                if (t is not null) return t.Value;
            }
        }
        throw new InvalidDataException($"{path}: unsupported element type '{descr}' (Ocular reads little-endian <f4, <f8, <f2, <i8, <i4, <i2, |i1, |u1 and |b1; "
                                     + "convert with numpy, e.g. a.astype('<f4'))");
    }

    // ------------------------------------------------------------ header

    private static string Header(string descr, long[] shape)
    {
        // The repr of a Python dict with sorted keys, as numpy.lib.format._write_array_header.
        var dims = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var text = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}";
        if (shape.Length > 0) text += new string(' ', Math.Max(0, GrowthDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length));
        return text;
    }

    private static byte[] WrapHeader(string header)
    {
        // Version 1.0 has a 2-byte header length, 2.0 a 4-byte one; the magic, version, length and
        // header are padded with spaces and a final newline to a multiple of 64 bytes.
        var bytes = Encoding.Latin1.GetBytes(header);
        var hlen = bytes.Length + 1;
        var lengthSize = 2;
        var pad = Align - (Magic.Length + 2 + lengthSize + hlen) % Align;
        if (hlen + pad > ushort.MaxValue)
        {
            lengthSize = 4;
            pad = Align - (Magic.Length + 2 + lengthSize + hlen) % Align;
        }
        var prefix = Magic.Length + 2 + lengthSize;
        var result = new byte[prefix + hlen + pad];
        Magic.CopyTo(result, 0);
        result[Magic.Length] = (byte)(lengthSize == 2 ? 1 : 2);
        result[Magic.Length + 1] = 0;
        if (lengthSize == 2) BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(Magic.Length + 2), (ushort)(hlen + pad));
        else BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(Magic.Length + 2), (uint)(hlen + pad));
        bytes.CopyTo(result, prefix);
        result.AsSpan(prefix + bytes.Length, pad).Fill((byte)' ');
        result[^1] = (byte)'\n';
        return result;
    }

    private static (ScalarType DType, bool Fortran, long[] Shape) ReadHeader(Stream file, string path)
    {
        Span<byte> start = stackalloc byte[8];
        if (file.ReadAtLeast(start, 8, throwOnEndOfStream: false) < 8 || !start[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not an .npy file (the magic string \\x93NUMPY is missing)");
        var (major, minor) = (start[6], start[7]);
        if (major is not (1 or 2 or 3) || minor != 0)
            throw new InvalidDataException($"{path}: unsupported .npy format version {major}.{minor} (Ocular reads 1.0, 2.0 and 3.0)");
        Span<byte> len = stackalloc byte[4];
        var lengthSize = major == 1 ? 2 : 4;
        if (file.ReadAtLeast(len[..lengthSize], lengthSize, throwOnEndOfStream: false) < lengthSize)
            throw new InvalidDataException($"{path}: the .npy header is truncated");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(len) : BinaryPrimitives.ReadUInt32LittleEndian(len);
        if (headerLength > file.Length - file.Position || headerLength > 1 << 24)
            throw new InvalidDataException($"{path}: the .npy header is truncated (it claims {headerLength} bytes)");
        var bytes = new byte[headerLength];
        file.ReadExactly(bytes);
        // Version 3.0 allows UTF-8 in the header (structured field names); 1.0 and 2.0 are latin-1.
        var text = major == 3 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
        var dict = NpyHeaderParser.Parse(text, path);
        if (!dict.TryGetValue("descr", out var descr) || !dict.TryGetValue("fortran_order", out var fortran) || !dict.TryGetValue("shape", out var shape) || dict.Count != 3)
            throw new InvalidDataException($"{path}: the .npy header must have exactly the keys 'descr', 'fortran_order' and 'shape' (it has {string.Join(", ", dict.Keys.Select(k => $"'{k}'"))})");
        if (descr is not string d)
            throw new InvalidDataException($"{path}: structured element types are not supported (the header's descr is not a simple type string)");
        if (fortran is not bool f) throw new InvalidDataException($"{path}: the header's fortran_order is not True or False");
        if (shape is not long[] s || s.Any(x => x < 0)) throw new InvalidDataException($"{path}: the header's shape is not a tuple of non-negative integers");
        return (ParseDescr(d, path), f, s);
    }
}
