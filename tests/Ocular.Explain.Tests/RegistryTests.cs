using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Tests;

public class RegistryTests
{
    [Fact]
    public void ListsThePostHocMethodsInOrder()
    {
        Assert.Equal(["cam", "grad-cam", "grad-cam++", "xgrad-cam", "hires-cam", "layer-cam", "eigen-cam", "score-cam", "ablation-cam", "rise"],
            ExplainerRegistry.Names.Take(10));
        Assert.False(ExplainerRegistry.Find("rise").UsesLayers);
        Assert.True(ExplainerRegistry.Find("score-cam").UsesLayers);
    }

    [Theory]
    [InlineData("GradCAM++", "grad-cam++")]
    [InlineData("grad_cam", "grad-cam")]
    [InlineData(" Score-CAM ", "score-cam")]
    [InlineData("hirescam", "hires-cam")]
    public void NamesMatchIgnoringCaseAndSeparators(string given, string canonical)
    {
        Assert.Equal(canonical, ExplainerRegistry.Find(given).Name);
        Assert.True(ExplainerRegistry.IsKnown(given));
    }

    [Fact]
    public void ALearnedExplainerCanBeRegisteredOnceAndCreatedByName()
    {
        var name = "test-constant-" + Guid.NewGuid().ToString("N")[..8];
        ExplainerRegistry.Register(new ExplainerInfo(name, "a test explainer", "learned", false, (m, o) => new ConstantExplainer(name, m, o)));
        Assert.Throws<ArgumentException>(() => ExplainerRegistry.Register(new ExplainerInfo(name.ToUpperInvariant(), "again", "learned", false, (m, o) => new ConstantExplainer(name, m, o))));
        using var f = new ExplainFixture();
        using var explainer = ExplainerRegistry.Create(name, f.Model, new ExplainerOptions { Checkpoint = "unused.ocular" });
        using var maps = explainer.Explain(f.Images, f.Targets);
        Assert.Equal(new long[] { 3, 32, 32 }, maps.Shape);
        Assert.Contains(name, ExplainerRegistry.Names);
    }

    private sealed class ConstantExplainer(string name, Classifier model, ExplainerOptions options) : ExplainerBase(name, model, options)
    {
        protected override Tensor ExplainCore(Tensor images, Tensor targets) =>
            Tensor.Zeros([images.Size(0), images.Size(2), images.Size(3)], ScalarType.Float32);
    }
}

public class TargetSelectionTests
{
    [Theory]
    [InlineData("predicted", "predicted")]
    [InlineData("Predicted", "predicted")]
    [InlineData("3", "3")]
    [InlineData("top-2", "top-2")]
    [InlineData("tabby cat", "tabby cat")]
    public void ParsesTheCommandLineForms(string text, string shown) =>
        Assert.Equal(shown, TargetSelection.Parse(text).ToString());

    [Fact]
    public void ResolvesEachFormAgainstTheLogits()
    {
        using var logits = Tensor.FromArray(new float[] { 0.1f, 2, 1, 5, 0, 3 }, 2, 3);
        string[] names = ["a", "b", "c"];
        using var predicted = TargetSelection.Predicted.Resolve(logits, names);
        Assert.Equal(new long[] { 1, 0 }, predicted.ToArray<long>());
        using var index = TargetSelection.Parse("2").Resolve(logits, names);
        Assert.Equal(new long[] { 2, 2 }, index.ToArray<long>());
        using var named = TargetSelection.Parse("c").Resolve(logits, names);
        Assert.Equal(new long[] { 2, 2 }, named.ToArray<long>());
        using var top2 = TargetSelection.Parse("top-2").Resolve(logits, names);
        Assert.Equal(new long[] { 1, 2, 0, 2 }, top2.ToArray<long>());   // image-major
    }

    [Fact]
    public void BadTargetsSayWhy()
    {
        using var logits = Tensor.Zeros(2, 3);
        Assert.Contains("out of range", Assert.Throws<ArgumentOutOfRangeException>(() => TargetSelection.Class(3).Resolve(logits, [])).Message);
        Assert.Contains("unknown class name 'dog'; the model's classes are: a, b, c",
            Assert.Throws<ArgumentException>(() => TargetSelection.Named("dog").Resolve(logits, ["a", "b", "c"])).Message);
        Assert.Contains("top-4 needs at least 4 classes", Assert.Throws<ArgumentOutOfRangeException>(() => TargetSelection.TopK(4).Resolve(logits, [])).Message);
        Assert.Throws<FormatException>(() => TargetSelection.Parse(" "));
    }
}
