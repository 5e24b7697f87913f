using System.Collections;

namespace Ocular.Torch.Serialization.Pickle;

/// <summary>
/// Equality of unpickled dictionary keys and set items: value equality for strings and numbers,
/// element-wise equality for tuples (<c>object?[]</c>) and bytes, as Python's hash/eq of immutable values.
/// </summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object?>
{
    /// <summary>The shared instance.</summary>
    public static readonly PickleKeyComparer Instance = new();

    /// <inheritdoc/>
    public new bool Equals(object? x, object? y)
    {
        if (x is object?[] a && y is object?[] b)
        {
            if (a.Length != b.Length) return false;
            for (var i = 0; i < a.Length; i++)
                if (!(a[i] is null ? b[i] is null : b[i] is not null && Equals(a[i], b[i]))) return false;
            return true;
        }
        if (x is byte[] p && y is byte[] q) return p.AsSpan().SequenceEqual(q);
        return object.Equals(x, y);
    }

    /// <inheritdoc/>
    public int GetHashCode(object? obj)
    {
        switch (obj)
        {
            case null:
                return 0;
            case object?[] tuple:
                var h = new HashCode();
                foreach (var item in tuple) h.Add(item is null ? 0 : GetHashCode(item));
                return h.ToHashCode();
            case byte[] bytes:
                var hb = new HashCode();
                hb.AddBytes(bytes);
                return hb.ToHashCode();
            case IList or IDictionary:
                // Python refuses mutable keys; a well-formed pickle never has them.
                return 0;
            default:
                return obj.GetHashCode();
        }
    }
}
