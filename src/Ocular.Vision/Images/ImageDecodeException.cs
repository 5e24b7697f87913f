namespace Ocular.Vision.Images;

/// <summary>
/// Raised when bytes (usually a file) cannot be decoded as an image: empty, truncated, corrupt or not an
/// image at all. The message names the source (the file path) and the reason.
/// </summary>
public sealed class ImageDecodeException : IOException
{
    /// <summary>Creates the exception for <paramref name="sourceName"/> with the reason it could not be decoded.</summary>
    public ImageDecodeException(string sourceName, string reason)
        : base($"cannot decode image '{sourceName}': {reason}") => SourceName = sourceName;

    /// <summary>The file path (or other name) of the bytes that could not be decoded.</summary>
    public string SourceName { get; }
}
