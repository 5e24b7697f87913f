namespace Ocular.Torch;

/// <summary>
/// One entry of an indexing expression, as in Python's <c>t[0, 1:3, ..., None, idx]</c>:
/// an integer, a slice (a C# <see cref="Range"/> or <see cref="Slice"/>), an ellipsis, a new axis,
/// or an index/mask tensor.
/// </summary>
public readonly struct TensorIndex
{
    // The codes of the shim's python_indices (native/src/tensor.cpp).
    internal enum IndexKind { Single = 0, Slice = 1, Ellipsis = 2, NewAxis = 3, Tensor = 4 }

    internal IndexKind Kind { get; }
    internal long Value { get; }
    internal long Start { get; }
    internal long End { get; }
    internal long Step { get; }
    internal Tensor? Tensor { get; }

    private TensorIndex(IndexKind kind, long value = 0, long start = 0, long end = long.MaxValue, long step = 1, Tensor? tensor = null)
    {
        Kind = kind;
        Value = value;
        Start = start;
        End = end;
        Step = step;
        Tensor = tensor;
    }

    /// <summary>Python's <c>...</c>: as many full slices as needed.</summary>
    public static TensorIndex Ellipsis => new(IndexKind.Ellipsis);

    /// <summary>Python's <c>None</c>: inserts a dimension of size 1.</summary>
    public static TensorIndex NewAxis => new(IndexKind.NewAxis);

    /// <summary>Python's <c>start:end:step</c>; null bounds are open, negative ones count from the end.</summary>
    public static TensorIndex Slice(long? start = null, long? end = null, long step = 1) =>
        step <= 0 ? throw new ArgumentOutOfRangeException(nameof(step), step, "slice step must be positive")
                  : new(IndexKind.Slice, start: start ?? 0, end: end ?? long.MaxValue, step: step);

    /// <summary>A single position (removes the dimension); negative counts from the end.</summary>
    public static implicit operator TensorIndex(long index) => new(IndexKind.Single, value: index);

    /// <summary>A single position (removes the dimension); negative counts from the end.</summary>
    public static implicit operator TensorIndex(int index) => new(IndexKind.Single, value: index);

    /// <summary>A slice; <c>^k</c> counts from the end.</summary>
    public static implicit operator TensorIndex(Range range)
    {
        long start = range.Start.IsFromEnd ? (range.Start.Value == 0 ? long.MaxValue : -range.Start.Value) : range.Start.Value;
        long end = range.End.IsFromEnd ? (range.End.Value == 0 ? long.MaxValue : -range.End.Value) : range.End.Value;
        return new(IndexKind.Slice, start: start, end: end);
    }

    /// <summary>An int64 index tensor or a boolean mask.</summary>
    public static implicit operator TensorIndex(Tensor index) => new(IndexKind.Tensor, tensor: index);
}
