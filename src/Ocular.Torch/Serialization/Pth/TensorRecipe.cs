namespace Ocular.Torch.Serialization.Pth;

/// <summary>
/// What <c>torch._utils._rebuild_tensor_v2</c> (or <c>_rebuild_parameter</c>) would build: a strided
/// view of a storage. The unpickler leaves these in the object graph; <see cref="TensorMaterializer"/>
/// replaces them by tensors once the storage bytes can be read.
/// </summary>
/// <param name="Storage">The storage viewed.</param>
/// <param name="StorageOffset">The offset of the first element, in elements of the storage.</param>
/// <param name="Size">The sizes.</param>
/// <param name="Stride">The strides, in elements.</param>
/// <param name="RequiresGrad">Whether the saved tensor required gradients.</param>
/// <param name="IsParameter">Whether it was an <c>nn.Parameter</c>.</param>
internal sealed record TensorRecipe(StorageRef Storage, long StorageOffset, long[] Size, long[] Stride, bool RequiresGrad, bool IsParameter = false)
{
    /// <summary>The number of elements.</summary>
    public long NumEl => Size.Aggregate(1L, (a, b) => checked(a * b));

    /// <summary>
    /// Checks that every element lies inside the storage (an out-of-range view of a crafted file
    /// would otherwise read foreign memory) and returns an error text, or null when valid.
    /// </summary>
    public string? Validate()
    {
        if (Size.Length != Stride.Length) return $"{Size.Length} sizes but {Stride.Length} strides";
        if (StorageOffset < 0) return $"negative storage offset {StorageOffset}";
        if (Size.Any(s => s < 0)) return $"negative size in {Tensor.ShapeString(Size)}";
        if (Stride.Any(s => s < 0)) return $"negative stride in {Tensor.ShapeString(Stride)}";
        try
        {
            if (NumEl == 0) return StorageOffset <= Storage.NumEl ? null : $"storage offset {StorageOffset} beyond the {Storage.NumEl}-element storage";
            var last = StorageOffset;
            for (var i = 0; i < Size.Length; i++) last = checked(last + (Size[i] - 1) * Stride[i]);
            return last < Storage.NumEl ? null
                : $"size {Tensor.ShapeString(Size)}, stride {Tensor.ShapeString(Stride)} and offset {StorageOffset} reach element {last} of a {Storage.NumEl}-element storage";
        }
        catch (OverflowException)
        {
            return $"size {Tensor.ShapeString(Size)} and stride {Tensor.ShapeString(Stride)} overflow";
        }
    }
}
