using System.Globalization;
using System.Text.RegularExpressions;
using Ocular.Evaluation;
using Ocular.Evaluation.Metrics;
using Ocular.Explain;
using Ocular.Explain.Learned.LCam;
using Ocular.Vision;
using Ocular.Vision.Datasets.Shapes;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Transforms;
using Xunit.Abstractions;

namespace Ocular.Packaging.Tests;

/// <summary>
/// A C# user's first hour: a throwaway console project outside the solution references <c>Ocular.Evaluation</c> from
/// the packed feed, compiles README.md's library example as it is written (<see cref="ReadmeLibraryExample"/>) and runs
/// it on a model, an image and an L-CAM run the test makes; its numbers must be this build's.
/// </summary>
[Collection(PackagingCollection.Name)]
public sealed partial class ConsumerProjectTests(PackedOcular packed, ITestOutputHelper output)
{
    [Fact]
    public void TheReadmeLibraryExampleBuildsAndRunsAgainstThePackages()
    {
        var dir = packed.NewDirectory("consumer");
        var (weights, image, lcam) = ExampleFiles(dir);
        WriteProject(dir);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), ReadmeLibraryExample.ForTinyModel(Path.Combine(PackedOcular.RepoRoot, "README.md")));

        // A private packages folder: this run's packages land there, and the machine's own cache is left as it was.
        var build = ChildProcess.Dotnet(dir, new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(dir, "packages") },
            "build", "-c", "Release", "--disable-build-servers", "--nologo", "-v", "quiet");
        Assert.True(build.ExitCode == 0, build.Output);
        output.WriteLine($"consumer restore + build: {build.Elapsed.TotalSeconds:F1} s");
        foreach (var package in new[] { "ocular.torch", "ocular.vision", "ocular.explain", "ocular.evaluation" })
            Assert.True(Directory.Exists(Path.Combine(dir, "packages", package, packed.Version)), $"{package} {packed.Version} was not restored from the feed");

        // The shim is a runtime asset: NuGet puts it under runtimes/, not beside the assemblies, and Ocular finds it there.
        var bin = Path.Combine(dir, "bin", "Release", "net10.0");
        Assert.True(File.Exists(Path.Combine(bin, "runtimes", "linux-x64", "native", "libocular_native.so")));
        Assert.False(File.Exists(Path.Combine(bin, "libocular_native.so")));

        var run = ChildProcess.Run("dotnet", [Path.Combine(bin, "consumer.dll")], dir, new Dictionary<string, string> { ["OCULAR_NUM_THREADS"] = "1" });
        Assert.True(run.ExitCode == 0, run.Output);
        var lines = run.StdOut.Trim().Split('\n');
        var expected = ExampleInProcess(weights, image, lcam);
        Assert.Equal(expected.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var m = ResultLine().Match(lines[i]);
            Assert.True(m.Success, $"unexpected line: {lines[i]}");
            Assert.Equal(expected[i].Name, m.Groups["name"].Value);
            Assert.Equal(expected[i].Ad, double.Parse(m.Groups["ad"].Value, CultureInfo.InvariantCulture), 0.011);   // printed with 2 decimals
            Assert.Equal(expected[i].Ic, double.Parse(m.Groups["ic"].Value, CultureInfo.InvariantCulture), 0.011);
        }
    }

    /// <summary>The files the example names, at the relative paths it names them by (the program runs in <paramref name="dir"/>).</summary>
    private static (string Weights, string Image, string LCam) ExampleFiles(string dir)
    {
        var weights = Path.Combine(dir, "resnet50.pth");   // an Ocular checkpoint: PyTorchWeights.Import reads both formats
        File.Move(TinyCheckpoint.Create(dir, size: 64), weights);
        var lcam = LCamTrainer.Train(new LCamTrainingOptions
        {
            Classifier = weights, Variant = "fm", Data = "shapes", TrainImages = 32, TestImages = 8, Epochs = 1, BatchSize = 16,
            OutputDirectory = Path.Combine(dir, "runs", "lcam-fm"),
        }).BestCheckpoint;
        Assert.Equal(Path.Combine(dir, "runs", "lcam-fm", "best.ocular"), lcam);
        var image = Path.Combine(dir, "cat.jpg");
        using (var sample = new ShapesDataset(new() { Count = 1, Seed = 7 }).Get(0)) ImageIO.WriteJpeg(image, sample.Image);
        return (weights, image, lcam);
    }

    /// <summary>A console project as `dotnet new console` makes it, with the packed feed as its only source.</summary>
    private void WriteProject(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Ocular.Evaluation" Version="{packed.Version}" />
              </ItemGroup>
            </Project>
            """);
        // Ocular's own dependencies (Google.Protobuf) come from the machine's packages folder, read-only, as a fallback:
        // nothing is downloaded.
        var machinePackages = ChildProcess.Dotnet(dir, null, "nuget", "locals", "global-packages", "--list");
        Assert.True(machinePackages.ExitCode == 0, machinePackages.Output);
        var folder = machinePackages.StdOut.Trim()["global-packages:".Length..].Trim();
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="ocular-test-feed" value="{packed.Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{folder}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }

    /// <summary>The example's loop with this build's libraries, in this process: the numbers the packages must reproduce.</summary>
    private static List<(string Name, double Ad, double Ic)> ExampleInProcess(string weights, string image, string lcamCheckpoint)
    {
        using var imported = PyTorchWeights.Import(weights, "compact_cnn");
        var model = imported.Model;
        var preprocess = new Compose(new Resize(64), new CenterCrop(64), new ToTensor());
        using var raw = preprocess.Apply(ImageIO.Read(image)).Unsqueeze(0);
        using var x = ImageNormalization.ImageNet.Apply(raw);
        var scorer = new ModelScorer(model.Call, ImageNormalization.ImageNet);
        using var clean = Predictions.Of(scorer, raw);
        using var gradCam = ExplainerRegistry.Create("grad-cam", model);
        using var lcam = ExplainerRegistry.Create("l-cam", model, new ExplainerOptions { Checkpoint = lcamCheckpoint });
        var results = new List<(string, double, double)>();
        foreach (var explainer in new[] { gradCam, lcam })
        {
            using var maps = explainer.Explain(x, clean.Classes);
            using var kept = ConfidenceChange.Evaluate(scorer, raw, maps, clean, keepPercent: 15);
            results.Add((explainer.Name, AverageDrop.Compute(kept.Clean, kept.Masked), IncreaseInConfidence.Compute(kept.Clean, kept.Masked)));
        }
        return results;
    }

    [GeneratedRegex(@"^(?<name>[\w+-]+): AD (?<ad>-?\d+\.\d\d) %, IC (?<ic>-?\d+\.\d\d) %$")]
    private static partial Regex ResultLine();
}
