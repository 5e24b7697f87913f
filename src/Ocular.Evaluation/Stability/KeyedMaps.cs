using Ocular.Torch;

namespace Ocular.Evaluation.Stability;

/// <summary>
/// One model's maps (or masks) [N, …] with the identifier of the image each row belongs to: the file it was read
/// from, or <c>#INDEX</c> for data sets held in memory (<see cref="IdOf"/>). The stability study pairs the maps
/// of two models by these identifiers, never by position or by the order of a directory listing (reference
/// lfi-cam.md §7 defect 2: the original zipped two unsorted <c>os.listdir</c> lists). Does not own the tensor.
/// </summary>
/// <param name="Source">What made the maps (the model's name), for error messages.</param>
/// <param name="Ids">The image identifier of each row, unique.</param>
/// <param name="Maps">The maps or masks, one row per identifier.</param>
public sealed record KeyedMaps(string Source, IReadOnlyList<string> Ids, Tensor Maps)
{
    /// <summary>An image's identifier: its file, or <c>#INDEX</c> (its index in the data set) when it has none.</summary>
    public static string IdOf(string? path, int index) =>
        string.IsNullOrEmpty(path) ? "#" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) : path;

    /// <summary>
    /// The rows of <paramref name="other"/> in the order of <paramref name="reference"/>'s identifiers (a new tensor),
    /// so that row i of both belongs to the same image.
    /// </summary>
    /// <exception cref="MapPairingException">
    /// The identifiers are not the same set: an image has a map from one source and none from the other, or one
    /// source lists an image twice. The message names the image and both sources.
    /// </exception>
    public static Tensor Align(KeyedMaps reference, KeyedMaps other)
    {
        reference.Check();
        other.Check();
        var position = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < other.Ids.Count; i++)
            if (!position.TryAdd(other.Ids[i], i))
                throw new MapPairingException(other.Ids[i], $"{other.Source} has two maps of image '{other.Ids[i]}'");
        var order = new long[reference.Ids.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < reference.Ids.Count; i++)
        {
            var id = reference.Ids[i];
            if (!seen.Add(id)) throw new MapPairingException(id, $"{reference.Source} has two maps of image '{id}'");
            if (!position.TryGetValue(id, out order[i]))
                throw new MapPairingException(id, $"image '{id}' has a map from {reference.Source} but none from {other.Source}");
        }
        var extra = other.Ids.FirstOrDefault(id => !seen.Contains(id));
        if (extra is not null)
            throw new MapPairingException(extra, $"image '{extra}' has a map from {other.Source} but none from {reference.Source}");
        using var index = Tensor.FromArray(order);
        return other.Maps.IndexSelect(0, index);
    }

    private void Check()
    {
        if (Maps.Dim == 0 || Maps.Size(0) != Ids.Count)
            throw new ArgumentException($"{Source}: {Ids.Count} image identifiers for maps of shape {Tensor.ShapeString(Maps.Shape)}");
    }
}

/// <summary>Thrown when two sets of maps cannot be paired image by image (<see cref="KeyedMaps.Align"/>).</summary>
/// <param name="imageId">The image that could not be paired.</param>
/// <param name="message">What is wrong, naming the image and the sources.</param>
public sealed class MapPairingException(string imageId, string message) : Exception(message)
{
    /// <summary>The image that could not be paired.</summary>
    public string ImageId { get; } = imageId;
}
