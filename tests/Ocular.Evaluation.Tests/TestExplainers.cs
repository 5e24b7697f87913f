using Ocular.Explain;
using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Tests;

/// <summary>
/// A model-dependent explainer for the tests: CAM (Zhou et al. 2016) on the classifier's CAM layer —
/// the layer's maps weighted by the head's row of the target class, ReLU, bilinear upsampling to the
/// input (align_corners = false), per-image min–max (0 for a constant map). Same as make_sanity.py's cam().
/// </summary>
internal sealed class CamTestExplainer(Classifier model) : IExplainer
{
    public string Name => "test-cam";

    public Tensor Explain(Tensor images, Tensor targets)
    {
        using var _ = Autograd.InferenceMode();
        using var scope = DisposeScope.Enter();
        var split = model.Split(model.CamLayer!);
        var features = split.Trunk.Call(images);                                    // [N, C, h, w]
        var weights = model.Head.Weight.IndexSelect(0, targets);                    // [N, C]
        var maps = features.Mul(weights.Unsqueeze(2).Unsqueeze(3)).Sum([1], keepDim: true).Relu();
        var up = Functional.Interpolate(maps, new Pair(images.Size(2), images.Size(3)), mode: InterpolationMode.Bilinear, alignCorners: false).Squeeze(1);
        return scope.Keep(SaliencyMaps.MinMax(up).Clone());
    }

    public void Dispose() { }
}

/// <summary>Returns given maps in order, chunk after chunk (e.g. the ground-truth masks: an "oracle"); skipped images skip their maps.</summary>
internal sealed class SequenceExplainer(string name, Tensor maps) : IExplainer
{
    private long _next;

    public string Name => name;

    public Tensor Explain(Tensor images, Tensor targets)
    {
        var n = images.Size(0);
        using var slice = maps.Narrow(0, _next, n);
        _next += n;
        return slice.To(ScalarType.Float32, copy: true);
    }

    // Its maps depend on the calls before: a sharded run moves it past the images other ranks explain.
    public void SkipImages(long count, long height, long width) => _next += count;

    public void Dispose() { }
}
