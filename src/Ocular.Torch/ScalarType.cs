namespace Ocular.Torch;

/// <summary>Element types of tensors; the values are libtorch's <c>c10::ScalarType</c> codes.</summary>
public enum ScalarType
{
    /// <summary>Unsigned 8-bit integer (<c>torch.uint8</c>).</summary>
    UInt8 = 0,
    /// <summary>Signed 8-bit integer (<c>torch.int8</c>).</summary>
    Int8 = 1,
    /// <summary>Signed 16-bit integer (<c>torch.int16</c>).</summary>
    Int16 = 2,
    /// <summary>Signed 32-bit integer (<c>torch.int32</c>).</summary>
    Int32 = 3,
    /// <summary>Signed 64-bit integer (<c>torch.int64</c>), the type of indices and labels.</summary>
    Int64 = 4,
    /// <summary>IEEE half precision (<c>torch.float16</c>).</summary>
    Float16 = 5,
    /// <summary>Single precision (<c>torch.float32</c>), the default floating type.</summary>
    Float32 = 6,
    /// <summary>Double precision (<c>torch.float64</c>).</summary>
    Float64 = 7,
    /// <summary>Boolean (<c>torch.bool</c>).</summary>
    Bool = 11,
    /// <summary>Brain floating point (<c>torch.bfloat16</c>).</summary>
    BFloat16 = 15,
}

/// <summary>Facts about <see cref="ScalarType"/> values.</summary>
public static class ScalarTypes
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this ScalarType t) => t switch
    {
        ScalarType.UInt8 or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown scalar type"),
    };

    /// <summary>True for floating-point types.</summary>
    public static bool IsFloatingPoint(this ScalarType t) =>
        t is ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;

    /// <summary>The PyTorch name, e.g. <c>float32</c>.</summary>
    public static string TorchName(this ScalarType t) => t switch
    {
        ScalarType.UInt8 => "uint8",
        ScalarType.Int8 => "int8",
        ScalarType.Int16 => "int16",
        ScalarType.Int32 => "int32",
        ScalarType.Int64 => "int64",
        ScalarType.Float16 => "float16",
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Bool => "bool",
        ScalarType.BFloat16 => "bfloat16",
        _ => t.ToString(),
    };

    /// <summary>The scalar type that stores the CLR type <typeparamref name="T"/>.</summary>
    public static ScalarType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(long)) return ScalarType.Int64;
        if (typeof(T) == typeof(int)) return ScalarType.Int32;
        if (typeof(T) == typeof(byte)) return ScalarType.UInt8;
        if (typeof(T) == typeof(bool)) return ScalarType.Bool;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        if (typeof(T) == typeof(short)) return ScalarType.Int16;
        if (typeof(T) == typeof(sbyte)) return ScalarType.Int8;
        throw new NotSupportedException($"no tensor element type stores {typeof(T).Name}");
    }
}
