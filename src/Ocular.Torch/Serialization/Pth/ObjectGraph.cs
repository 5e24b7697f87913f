namespace Ocular.Torch.Serialization.Pth;

/// <summary>
/// Walks an unpickled object graph — dictionaries, lists, tuples and sets, possibly shared or
/// cyclic (the pickle memo allows both) — without recursion, so a deeply nested crafted file cannot
/// overflow the stack.
/// </summary>
internal static class ObjectGraph
{
    /// <summary>
    /// A place in a container: dictionary value, list item or tuple item <see cref="Index"/>; an
    /// index of −1 marks a place that cannot be replaced (a set item, or a tuple used as a dict key).
    /// </summary>
    /// <param name="Container">The dictionary, list, array or set.</param>
    /// <param name="Index">The position in it, or −1.</param>
    /// <param name="Value">The value found there.</param>
    public readonly record struct Slot(object Container, int Index, object? Value);

    /// <summary>Every slot of every container reachable from <paramref name="root"/>, each container once.</summary>
    public static IEnumerable<Slot> Slots(object? root)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>();
        if (IsContainer(root)) pending.Push(root!);
        while (pending.Count > 0)
        {
            var container = pending.Pop();
            if (!visited.Add(container)) continue;
            foreach (var slot in SlotsOf(container))
            {
                yield return slot;
                if (IsContainer(slot.Value)) pending.Push(slot.Value!);
            }
        }
    }

    /// <summary>Every distinct tensor reachable from <paramref name="root"/> (including the root itself).</summary>
    public static IEnumerable<Tensor> Tensors(object? root)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        if (root is Tensor t && seen.Add(t)) yield return t;
        foreach (var slot in Slots(root))
            if (slot.Value is Tensor u && seen.Add(u)) yield return u;
    }

    /// <summary>True when a tensor is reachable from <paramref name="root"/>.</summary>
    public static bool HoldsTensor(object? root) => Tensors(root).Any();

    /// <summary>Replaces the value of a slot.</summary>
    public static void Set(Slot slot, object? value)
    {
        if (slot.Index < 0) throw new InvalidOperationException("a set item or dict key cannot be replaced");
        switch (slot.Container)
        {
            case OrderedDictionary<object, object?> d: d.SetAt(slot.Index, value); break;
            case List<object?> l: l[slot.Index] = value; break;
            case object?[] a: a[slot.Index] = value; break;
            default: throw new InvalidOperationException($"a {slot.Container.GetType().Name} slot cannot be replaced");
        }
    }

    private static bool IsContainer(object? v) =>
        v is OrderedDictionary<object, object?> or List<object?> or object?[] or HashSet<object?>;

    private static IEnumerable<Slot> SlotsOf(object container)
    {
        switch (container)
        {
            case OrderedDictionary<object, object?> d:
                for (var i = 0; i < d.Count; i++)
                {
                    var (key, value) = d.GetAt(i);
                    // Keys are hashable values (strings, numbers, tuples of those): a tuple key is walked too.
                    if (key is object?[] k) yield return new Slot(d, -1, k);
                    yield return new Slot(d, i, value);
                }
                break;
            case List<object?> l:
                for (var i = 0; i < l.Count; i++) yield return new Slot(l, i, l[i]);
                break;
            case object?[] a:
                for (var i = 0; i < a.Length; i++) yield return new Slot(a, i, a[i]);
                break;
            case HashSet<object?> s:
                foreach (var item in s) yield return new Slot(s, -1, item);
                break;
        }
    }
}
