namespace Ocular.Cli.Tests;

public class ModelsCommandTests
{
    [Fact]
    public void ListsTheArchitecturesWithParametersAndDefaultLayers()
    {
        var r = CliRunner.Run("models");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"resnet50\s*│\s*ResNet\s*│\s*25,557,032\s*│\s*224\s*│\s*layer4\s*│\s*layer4", r.StdOut);
        Assert.Matches(@"vgg16\s*│\s*VGG\s*│\s*138,357,544\s*│\s*224\s*│\s*features\.29\s*│", r.StdOut);
        Assert.Matches(@"vgg16_bn\s*│.*│\s*features\.42\s*│", r.StdOut);
        Assert.Matches(@"alexnet\s*│.*│\s*61,100,840\s*│.*features\.11", r.StdOut);
        Assert.Matches(@"cifar_resnet110\s*│.*│\s*32\s*│\s*layer3", r.StdOut);
        Assert.Matches(@"compact_cnn\s*│.*│\s*98,970\s*│\s*64\s*│\s*block4", r.StdOut);
    }

    [Fact]
    public void ListsTheLayersOfOneArchitectureWithOutputShapes()
    {
        var r = CliRunner.Run("models", "resnet18", "--input-size", "64", "--num-classes", "7");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"layer4\.1\.conv2\s*│\s*Conv2d\s*│\s*\[1, 512, 2, 2\]\s*│\s*2,359,296", r.StdOut);
        Assert.Matches(@"layer1\.0\.relu\s*│\s*ReLU\s*│\s*\[1, 64, 16, 16\] \(called 2×\)", r.StdOut);
        Assert.Matches(@"\sfc\s*│\s*Linear\s*│\s*\[1, 7\]\s*│\s*3,591", r.StdOut);
        Assert.Contains("default layer layer4", r.StdOut);
        Assert.Contains("11,180,103 parameters", r.StdOut);
    }

    [Fact]
    public void UnknownArchitectureListsTheValidNames()
    {
        var r = CliRunner.Run("models", "resnet19");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown architecture 'resnet19'", r.StdErr);
        Assert.Contains("resnet18", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void TooSmallInputIsOneLineError()
    {
        var r = CliRunner.Run("models", "compact_cnn", "--input-size", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("cannot run on a 1×1 input", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }
}
