namespace Ocular.Torch.Nn;

/// <summary>A name → value map that keeps registration order (replacing keeps the original position).</summary>
internal sealed class OrderedRegistry<T>
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, T> _items = [];

    public int Count => _order.Count;

    public bool Contains(string name) => _items.ContainsKey(name);

    public bool TryGet(string name, out T value) => _items.TryGetValue(name, out value!);

    public void Set(string name, T value)
    {
        if (!_items.ContainsKey(name)) _order.Add(name);
        _items[name] = value;
    }

    public IEnumerable<(string Name, T Value)> Items => _order.Select(n => (n, _items[n]));
}
