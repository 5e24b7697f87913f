using Ocular.Torch;
using Ocular.Vision.Transforms;

namespace Ocular.Bench.Suites;

/// <summary>
/// The identity transform, for in-memory data sets whose images are already float model inputs at the input size (the
/// lvw and lavise suites measure no image decoding or augmentation). Returns a copy: a transform's result is a new tensor.
/// </summary>
internal sealed class IdentityTransform : ITransform
{
    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null) => image.Clone();
}
