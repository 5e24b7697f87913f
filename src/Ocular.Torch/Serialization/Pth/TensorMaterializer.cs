using Ocular.Torch.Nn;

namespace Ocular.Torch.Serialization.Pth;

/// <summary>
/// Replaces the <see cref="TensorRecipe"/>s and bare <see cref="StorageRef"/>s of an unpickled graph
/// by tensors, reading each root storage once and building every tensor that views it as
/// <c>storage.as_strided(size, stride, offset)</c> — what <c>torch._utils._rebuild_tensor_v2</c> does —
/// copied into compact row-major memory of its own (a tensor that is the only, whole, contiguous view
/// of its storage keeps the storage without a copy). Storages are processed one at a time, so the
/// peak memory is the result plus one storage.
/// </summary>
internal static class TensorMaterializer
{
    /// <summary>
    /// Materialises <paramref name="graph"/>. <paramref name="read"/> returns a 1-D tensor of a
    /// root storage's elements; it is called once per root, in the order of <paramref name="roots"/>
    /// (the legacy format needs its storages in file order, so even unused roots are read).
    /// </summary>
    public static object? Materialize(object? graph, IReadOnlyList<StorageRef> roots, Func<StorageRef, Tensor> read, string path)
    {
        // The root itself may be a recipe (torch.save(tensor)): hold it in a box to treat it as a slot.
        var box = new object?[] { graph };
        var slots = ObjectGraph.Slots(box).Where(s => s.Value is TensorRecipe or StorageRef).ToList();
        if (slots.Any(s => s.Index < 0))
            throw new InvalidDataException($"{path}: a tensor is used as a dict key or set item, which is not supported");

        var users = slots.Select(s => s.Value!).Distinct(ReferenceEqualityComparer.Instance)
            .GroupBy(v => v is TensorRecipe r ? r.Storage.Key : ((StorageRef)v).Key)
            .ToDictionary(g => g.Key, g => g.ToList());
        var declared = roots.Select(r => r.Key).ToHashSet();
        var missing = users.Keys.FirstOrDefault(k => !declared.Contains(k));
        if (missing is not null) throw new InvalidDataException($"{path}: storage '{missing}' is used by a tensor but its data is not in the file");

        var built = new Dictionary<object, Tensor>(ReferenceEqualityComparer.Instance);
        try
        {
            foreach (var root in roots)
            {
                using var storage = read(root);
                if (!users.TryGetValue(root.Key, out var list)) continue;
                foreach (var item in list)
                    built[item] = item is TensorRecipe recipe ? Build(storage, recipe, list.Count == 1, path) : Slice(storage, (StorageRef)item);
            }
            foreach (var slot in slots) ObjectGraph.Set(slot, built[slot.Value!]);
            return box[0];
        }
        catch
        {
            foreach (var t in built.Values) t.Dispose();
            throw;
        }
    }

    private static Tensor Build(Tensor storage, TensorRecipe recipe, bool onlyUser, string path)
    {
        var offset = recipe.Storage.Offset + recipe.StorageOffset;
        var view = DisposeScope.Detach(storage.AsStrided(recipe.Size, recipe.Stride, offset));
        Tensor result;
        if (onlyUser && offset == 0 && recipe.NumEl == storage.NumEl && view.IsContiguous)
        {
            result = view;
        }
        else
        {
            using (view) result = DisposeScope.Detach(view.IsContiguous ? view.Clone() : view.Contiguous());
        }
        try
        {
            if (recipe.IsParameter) return new Parameter(result, recipe.RequiresGrad);
            return recipe.RequiresGrad ? result.RequiresGrad_() : result;
        }
        catch (TorchException e)
        {
            result.Dispose();
            throw new InvalidDataException($"{path}: a tensor of storage '{recipe.Storage.Key}' cannot be rebuilt: {e.Message}", e);
        }
    }

    // A storage saved by itself loads as a 1-D tensor of its elements.
    private static Tensor Slice(Tensor storage, StorageRef view)
    {
        using var narrow = DisposeScope.Detach(storage.Narrow(0, view.Offset, view.NumEl));
        return DisposeScope.Detach(narrow.Clone());
    }
}
