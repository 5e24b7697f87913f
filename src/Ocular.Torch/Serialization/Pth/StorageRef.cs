namespace Ocular.Torch.Serialization.Pth;

/// <summary>
/// A storage named by a persistent id of a <c>torch.save</c> pickle: the flat array of
/// <see cref="NumEl"/> elements of <see cref="DType"/> that tensors view. In the zip format its bytes
/// are the record <c>&lt;archive&gt;/data/&lt;key&gt;</c>; in the legacy format they follow the pickles.
/// A legacy storage <em>view</em> is the slice [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="NumEl"/>)
/// of the root storage <see cref="Key"/>.
/// </summary>
/// <param name="Key">The key of the root storage.</param>
/// <param name="DType">The element type (from the storage class, e.g. <c>torch.FloatStorage</c>).</param>
/// <param name="NumEl">The number of elements this reference spans.</param>
/// <param name="Location">Where it was saved from (<c>cpu</c>, <c>cuda:0</c>); Ocular loads to the CPU.</param>
/// <param name="Offset">The element offset into the root storage (legacy storage views; 0 otherwise).</param>
internal sealed record StorageRef(string Key, ScalarType DType, long NumEl, string Location, long Offset = 0);

/// <summary>A torch storage class from the allow-list (<c>torch.FloatStorage</c>, …): the element type of its storages.</summary>
/// <param name="Name">The Python name, e.g. <c>torch.FloatStorage</c>.</param>
/// <param name="DType">The element type.</param>
internal sealed record StorageType(string Name, ScalarType DType);
