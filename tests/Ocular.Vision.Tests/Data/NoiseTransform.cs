using Ocular.Torch;
using Ocular.Vision.Transforms;

namespace Ocular.Vision.Tests.Data;

/// <summary>A random photometric transform for the tests: image / 255 + N(0, 0.1²) noise drawn from the generator.</summary>
internal sealed class NoiseTransform : ITransform
{
    public Tensor Apply(Tensor image, Generator? generator = null)
    {
        using var asFloat = image.To(ScalarType.Float32);
        using var scaled = asFloat.Div(255.0);
        using var noise = Tensor.Randn(image.Shape, generator);
        return scaled.Add(noise, 0.1);
    }
}
