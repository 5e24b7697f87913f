using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision;

namespace Ocular.Evaluation.Tests;

/// <summary>The fixture script's tiny classifier (conv 3→6, ReLU, global average pool, linear 6→5), rebuilt from its weights.</summary>
internal sealed class TinyModel : IDisposable
{
    private readonly SafeTensors.Contents _fixture;

    public TinyModel(SafeTensors.Contents fixture) => _fixture = fixture;

    public Tensor Logits(Tensor normalised)
    {
        using var scope = DisposeScope.Enter();
        var t = _fixture.Tensors;
        var x = Functional.Conv2d(normalised, t["tiny.conv.weight"], t["tiny.conv.bias"], padding: 1).Relu();
        var pooled = Functional.AdaptiveAvgPool2d(x, 1).Flatten(1);
        return scope.Keep(Functional.Linear(pooled, t["tiny.fc.weight"], t["tiny.fc.bias"]));
    }

    public ModelScorer Scorer(int batchSize = 7) =>
        new(Logits, new ImageNormalization([.. _fixture.Tensors["mean"].ToArray<float>().Select(v => (double)v)], [.. _fixture.Tensors["std"].ToArray<float>().Select(v => (double)v)]), batchSize);

    public void Dispose() { }
}
