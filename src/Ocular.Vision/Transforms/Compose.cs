using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>Applies transforms in order (torchvision's <c>Compose</c>), all drawing from the same generator.</summary>
public sealed class Compose : ITransform
{
    /// <summary>Creates the pipeline.</summary>
    public Compose(params ITransform[] transforms) => Transforms = [.. transforms];

    /// <summary>The transforms, in the order they are applied.</summary>
    public IReadOnlyList<ITransform> Transforms { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null)
    {
        Tensor? current = null; // the intermediate this pipeline owns (never the caller's input)
        try
        {
            foreach (var transform in Transforms)
            {
                var next = transform.Apply(current ?? image, generator);
                current?.Dispose();
                current = next;
            }
            var result = current ?? image.Alias();
            current = null;
            return result;
        }
        finally
        {
            current?.Dispose();
        }
    }
}
