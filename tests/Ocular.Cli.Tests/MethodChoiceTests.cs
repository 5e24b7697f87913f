using Ocular.Explain;

namespace Ocular.Cli.Tests;

public class MethodChoiceTests
{
    [Fact]
    public void APostHocNameIsItsOwnLabelWithoutCheckpoint()
    {
        var c = MethodChoice.Parse("GradCAM++", defaultCheckpoint: "ignored.ocular");
        Assert.Equal("grad-cam++", c.Info.Name);
        Assert.Equal("grad-cam++", c.Label);
        Assert.Null(c.Checkpoint);
    }

    [Fact]
    public void ALabelRenamesTheMethod()
    {
        var c = MethodChoice.Parse("paper=score-cam", null);
        Assert.Equal("score-cam", c.Info.Name);
        Assert.Equal("paper", c.Label);
    }

    [Fact]
    public void APostHocMethodRefusesACheckpoint()
    {
        var e = Assert.Throws<ArgumentException>(() => MethodChoice.Parse("grad-cam:model.ocular", null));
        Assert.Contains("not a learned method", e.Message);
    }

    [Fact]
    public void AnUnknownNameListsTheValidOnes()
    {
        var e = Assert.Throws<UnknownExplainerException>(() => MethodChoice.Parse("grad-kam", null));
        Assert.Contains("rise", e.Message);
    }

    [Fact]
    public void AnEmptyFileOrLabelIsAnError()
    {
        Assert.Contains("no checkpoint file", Assert.Throws<ArgumentException>(() => MethodChoice.Parse("rise:", null)).Message);
        Assert.Contains("label before '=' is empty", Assert.Throws<ArgumentException>(() => MethodChoice.Parse("=rise", null)).Message);
    }
}
