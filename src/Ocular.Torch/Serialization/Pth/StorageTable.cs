using Ocular.Torch.Serialization.Pickle;

namespace Ocular.Torch.Serialization.Pth;

/// <summary>
/// The persistent-load side of <c>torch.load</c>: turns the persistent ids of a pickle into
/// <see cref="StorageRef"/>s, one root per storage key, remembering the order they were declared in.
/// <list type="bullet">
/// <item>zip format: <c>('storage', storage_type, key, location, numel)</c>;</item>
/// <item>legacy format: <c>('storage', storage_type, root_key, location, numel, view_metadata)</c>, where
/// <c>view_metadata</c> is None or <c>(view_key, offset, view_size)</c>.</item>
/// </list>
/// </summary>
internal sealed class StorageTable
{
    private readonly Dictionary<string, StorageRef> _roots = [];
    private readonly List<StorageRef> _order = [];

    /// <summary>The root storages in declaration order.</summary>
    public IReadOnlyList<StorageRef> Roots => _order;

    /// <summary>The root storage of <paramref name="key"/>, if declared.</summary>
    public StorageRef? Find(string key) => _roots.GetValueOrDefault(key);

    /// <summary>Resolves one persistent id (the <c>persistent_load</c> callback of the unpickler).</summary>
    public object? Load(object? pid)
    {
        if (pid is not object?[] t || t.Length == 0) throw new InvalidDataException($"expected a tuple persistent id, not a {PickleValues.TypeName(pid)}");
        var typename = t[0] is byte[] b ? System.Text.Encoding.ASCII.GetString(b) : t[0] as string;
        if (typename == "module")
            throw new InvalidDataException("the file holds a pickled nn.Module (torch.save(model)), not a state dict: save model.state_dict() instead");
        if (typename != "storage" || t.Length is not (5 or 6))
            throw new InvalidDataException($"unknown persistent id ({string.Join(", ", t.Select(PickleValues.TypeName))}); expected ('storage', type, key, location, numel)");
        var type = t[1] as StorageType ?? throw new InvalidDataException($"the storage type is a {PickleValues.TypeName(t[1])}");
        var key = t[2] as string ?? throw new InvalidDataException($"the storage key is a {PickleValues.TypeName(t[2])}, not a str");
        var location = t[3] as string ?? "cpu";
        var numel = t[4] as long? ?? throw new InvalidDataException($"the element count of storage '{key}' is a {PickleValues.TypeName(t[4])}");
        if (numel < 0) throw new InvalidDataException($"storage '{key}' has a negative element count {numel}");
        var root = Declare(key, type.DType, numel, location);
        if (t.Length == 5 || t[5] is null) return root;

        // A legacy storage view: a slice of the root storage.
        if (t[5] is not object?[] { Length: 3 } view || view[1] is not long offset || view[2] is not long size)
            throw new InvalidDataException($"storage '{key}' has malformed view metadata");
        if (offset < 0 || size < 0 || offset + size > numel)
            throw new InvalidDataException($"the view [{offset}, {offset + size}) of storage '{key}' lies outside its {numel} elements");
        return new StorageRef(key, type.DType, size, location, offset);
    }

    private StorageRef Declare(string key, ScalarType dtype, long numel, string location)
    {
        if (_roots.TryGetValue(key, out var known))
        {
            if (known.DType != dtype || known.NumEl != numel)
                throw new InvalidDataException($"storage '{key}' is declared both as {known.NumEl} × {known.DType.TorchName()} and as {numel} × {dtype.TorchName()}");
            return known;
        }
        var root = new StorageRef(key, dtype, numel, location);
        _roots[key] = root;
        _order.Add(root);
        return root;
    }
}
