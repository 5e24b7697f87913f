using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Models.TorchScript;

namespace Ocular.Cli.Tests;

/// <summary>
/// A TorchScript model through the command line (tests/fixtures/torchscript/branchy_scripted.pt, a custom CNN with
/// branches): imported with its preprocessing, listed, explained and evaluated like a zoo checkpoint, and given
/// directly; bad files get one clear error.
/// </summary>
public sealed class TorchScriptCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ocular-torchscript-").FullName;
    private readonly string _script = Path.Combine(AppContext.BaseDirectory, "fixtures", "torchscript", "branchy_scripted.pt");
    private readonly string _images;

    public TorchScriptCommandTests()
    {
        _images = Path.Combine(_dir, "images");
        Directory.CreateDirectory(_images);
        using var generator = new Generator(3);
        foreach (var name in new[] { "a.png", "b.png" })
        {
            using var pixels = Tensor.RandInt(256, [3, 40, 40], generator, ScalarType.UInt8);
            ImageIO.WritePng(Path.Combine(_images, name), pixels);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ImportedModelIsListedAndExplainedAsTheLibraryDoes()
    {
        var classes = Path.Combine(_dir, "classes.txt");
        File.WriteAllLines(classes, ["a", "b", "c", "d", "e"]);
        var model = Path.Combine(_dir, "branchy.ocular");
        var import = CliRunner.Run("import", "--torchscript", _script, "--classes", classes, "--input-size", "32", "--resize-size", "36",
            "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25", "--out", model);
        Assert.True(import.ExitCode == 0, import.StdErr);
        Assert.Contains("torchscript:branchy_scripted.pt, 5 classes, 9 layers with feature maps (default merge)", import.StdOut);
        var metadata = ClassifierCheckpoint.ReadMetadata(model);
        Assert.Equal(("torchscript:branchy_scripted.pt", 32, 36, 5), (metadata.Architecture, metadata.InputSize, metadata.ResizeSize, metadata.ClassNames.Count));

        var models = CliRunner.Run("models", "--model", model);
        Assert.True(models.ExitCode == 0, models.StdErr);
        Assert.Contains("[1, 16, 16, 16]", models.StdOut);   // merge at 32²
        Assert.Contains("BatchNorm2d", models.StdOut);
        Assert.Contains("default merge; head head", models.StdOut);

        var outDir = Path.Combine(_dir, "out");
        var explain = CliRunner.Run("explain", "--model", model, "--method", "grad-cam,ablation-cam", "--layer", "right", "--input", _images, "--out", outDir);
        Assert.True(explain.ExitCode == 0, explain.StdErr);
        using var loaded = ClassifierCheckpoint.Load(model);
        Assert.IsType<TorchScriptClassifier>(loaded.Model);
        var preprocessing = loaded.Metadata.Preprocessing();
        using var x = Tensor.Stack([.. new[] { "a.png", "b.png" }.Select(p => preprocessing.Apply(ImageIO.Read(Path.Combine(_images, p))))]);
        using var logits = loaded.Model.Call(x);
        using var predicted = logits.Argmax(1);
        foreach (var method in new[] { "grad-cam", "ablation-cam" })
        {
            using var maps = Npy.Load(Path.Combine(outDir, method + ".npy"));
            Assert.Equal(new long[] { 2, 32, 32 }, maps.Shape);
            using var explainer = ExplainerRegistry.Create(method, loaded.Model, new ExplainerOptions { Layers = ["right"] });
            using var expected = explainer.Explain(x, predicted);
            Assert.True(expected.AllClose(maps, rtol: 0, atol: 1e-5), $"{method}: the CLI's maps differ from the library's");
        }
    }

    [Fact]
    public void ImportedModelIsEvaluatedPredictedAndScored()
    {
        var model = Path.Combine(_dir, "branchy.ocular");
        var import = CliRunner.Run("import", "--torchscript", _script, "--input-size", "32", "--resize-size", "32", "--out", model);
        Assert.True(import.ExitCode == 0, import.StdErr);
        const string data = "shapes:count=20,test-count=8,classes=5,size=32";
        var evaluate = CliRunner.Run("evaluate", "--model", model, "--data", data, "--methods", "grad-cam,ablation-cam",
            "--metrics", "ad,ic,deletion,insertion,road,pointing,sanity", "--sanity-images", "2", "--out", Path.Combine(_dir, "eval"), "--threads", "1");
        Assert.True(evaluate.ExitCode == 0, evaluate.StdErr);
        var results = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "eval", "results.json")))!;
        Assert.Contains("torchscript:branchy_scripted.pt", results.ToJsonString());
        Assert.Contains("grad-cam", results.ToJsonString());
        var predict = CliRunner.Run("predict", "--model", model, "--input", _images, "--top-k", "2");
        Assert.True(predict.ExitCode == 0, predict.StdErr);
        Assert.Contains("a.png", predict.StdOut);
        var eval = CliRunner.Run("eval", "classifier", "--model", model, "--data", data);
        Assert.True(eval.ExitCode == 0, eval.StdErr);
        Assert.Contains("top-1", eval.StdOut);
    }

    [Fact]
    public void ATorchScriptFileIsAModelAsItIs()
    {
        var outDir = Path.Combine(_dir, "direct");
        var explain = CliRunner.Run("explain", "--model", _script, "--method", "grad-cam", "--input", _images, "--out", outDir);
        Assert.True(explain.ExitCode == 0, explain.StdErr);
        Assert.Contains("grad-cam: layer merge", explain.StdOut);
        using var maps = Npy.Load(Path.Combine(outDir, "grad-cam.npy"));
        Assert.Equal(new long[] { 2, 224, 224 }, maps.Shape);   // ImageNet's preprocessing by default
    }

    [Fact]
    public void BadModelsGetOneClearError()
    {
        var pth = Path.Combine(AppContext.BaseDirectory, "fixtures", "interop", "cifar_resnet20.pth");
        var state = CliRunner.Run("import", "--torchscript", pth, "--out", Path.Combine(_dir, "x.ocular"));
        Assert.Equal(1, state.ExitCode);
        Assert.Contains("a PyTorch pickle written by torch.save", state.StdErr);
        Assert.False(File.Exists(Path.Combine(_dir, "x.ocular")));
        var tuple = CliRunner.Run("explain", "--model", Path.Combine(AppContext.BaseDirectory, "fixtures", "torchscript", "tuple_scripted.pt"),
            "--method", "grad-cam", "--input", _images, "--out", Path.Combine(_dir, "t"));
        Assert.Equal(1, tuple.ExitCode);
        Assert.Contains("returns a Tuple, not a tensor of logits", tuple.StdErr);
        var layer = CliRunner.Run("explain", "--model", _script, "--method", "grad-cam", "--layer", "nope", "--input", _images, "--out", Path.Combine(_dir, "l"));
        Assert.Equal(1, layer.ExitCode);
        Assert.Contains("nope", layer.StdErr);
        Assert.Contains("merge", layer.StdErr);
        var both = CliRunner.Run("import", "--torchscript", _script, "--arch", "resnet18", "--out", Path.Combine(_dir, "y.ocular"));
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("without --arch and --weights", both.StdErr);
    }
}
