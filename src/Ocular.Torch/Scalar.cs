using Ocular.Torch.Interop;

namespace Ocular.Torch;

/// <summary>
/// A number passed to an operation. Integers stay integral and floating values stay floating, so
/// type promotion follows PyTorch's rules for Python scalars (<c>int_tensor + 2</c> stays integral,
/// <c>int_tensor + 2.0</c> becomes floating).
/// </summary>
public readonly struct Scalar
{
    private readonly NativeScalar _value;

    private Scalar(NativeScalar value) => _value = value;

    /// <summary>True when the value is an integer (or boolean).</summary>
    public bool IsIntegral => _value.Kind != 0;

    /// <summary>The dtype PyTorch gives a tensor made from this value alone (<c>torch.tensor(v)</c>, <c>torch.full</c>): int64, bool or float32.</summary>
    public ScalarType DefaultType => _value.Kind switch { 0 => ScalarType.Float32, 1 => ScalarType.Int64, _ => ScalarType.Bool };

    /// <summary>The value as a double.</summary>
    public double ToDouble() => _value.Kind == 0 ? _value.D : _value.I;

    internal NativeScalar Native => _value;

    /// <summary>An integral scalar.</summary>
    public static implicit operator Scalar(long v) => new(new NativeScalar { I = v, D = v, Kind = 1 });
    /// <summary>An integral scalar.</summary>
    public static implicit operator Scalar(int v) => new(new NativeScalar { I = v, D = v, Kind = 1 });
    /// <summary>A floating scalar.</summary>
    public static implicit operator Scalar(double v) => new(new NativeScalar { D = v, Kind = 0 });
    /// <summary>A floating scalar.</summary>
    public static implicit operator Scalar(float v) => new(new NativeScalar { D = v, Kind = 0 });
    /// <summary>A boolean scalar.</summary>
    public static implicit operator Scalar(bool v) => new(new NativeScalar { I = v ? 1 : 0, D = v ? 1 : 0, Kind = 2 });

    /// <inheritdoc/>
    public override string ToString() => _value.Kind switch
    {
        0 => _value.D.ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => _value.I.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => _value.I != 0 ? "true" : "false",
    };
}
