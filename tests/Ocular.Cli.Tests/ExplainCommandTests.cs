using System.Text.Json.Nodes;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;
using Ocular.Vision.Models;

namespace Ocular.Cli.Tests;

/// <summary>
/// <c>ocular explain</c> end to end on a compact-CNN checkpoint (the weights of tests/fixtures/explain) and a few
/// PNGs of different sizes: every output file is checked, and the maps equal the library's on the same inputs.
/// </summary>
public sealed class ExplainCommandTests : IDisposable
{
    private static readonly string[] Classes = ["circle", "square", "triangle", "star", "cross"];
    private readonly string _dir = Directory.CreateTempSubdirectory("ocular-explain-").FullName;
    private readonly string _model;
    private readonly string _images;

    public ExplainCommandTests()
    {
        _model = Path.Combine(_dir, "compact.ocular");
        using (var model = FixtureModel())
            ClassifierCheckpoint.Save(_model, model, new ClassifierMetadata
            {
                Architecture = "compact_cnn", NumClasses = 5, ClassNames = Classes, InputSize = 32, ResizeSize = 36,
                Mean = [0.5, 0.4, 0.3], Std = [0.2, 0.25, 0.3],
            });
        _images = Path.Combine(_dir, "images");
        Directory.CreateDirectory(Path.Combine(_images, "sub"));
        using var generator = new Generator(9);
        // Sorted by relative path: b.png, c.jpg.txt is ignored, sub/a.png.
        foreach (var (name, h, w) in new[] { ("sub/a.png", 40, 48), ("b.png", 36, 36), ("z.png", 50, 37) })
        {
            using var pixels = Tensor.RandInt(256, [3, h, w], generator, ScalarType.UInt8);
            ImageIO.WritePng(Path.Combine(_images, name), pixels);
        }
        File.WriteAllText(Path.Combine(_images, "notes.txt"), "not an image");
    }

    private static Classifier FixtureModel()
    {
        using var fixture = SafeTensors.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "explain", "explain.safetensors"));
        var model = new CompactCnn(numClasses: 5);
        model.LoadStateDict(fixture.Tensors.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["model.".Length..], kv => kv.Value), strict: true);
        return model;
    }

    private static readonly string[] SortedInputs = ["b.png", "sub/a.png", "z.png"];

    [Fact]
    public void WritesMapsOverlaysSheetAndJsonForEveryMethod()
    {
        var outDir = Path.Combine(_dir, "out");
        var r = CliRunner.Run("explain", "--model", _model, "--method", "grad-cam,score-cam,rise", "--input", _images, "--out", outDir,
            "--batch-size", "2", "--rise-masks", "64", "--seed", "4");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("grad-cam: layer block4 (compact_cnn's default layer)", r.StdOut);
        Assert.Contains("rise: 64 masks, grid 7×7, p1 0.5, seed 4", r.StdOut);

        // The maps: float32 [3, 32, 32] in [0, 1], in sorted path order, equal to the library's on the same preprocessing.
        using var loaded = ClassifierCheckpoint.Load(_model);
        var preprocessing = loaded.Metadata.Preprocessing();
        using var x = Tensor.Stack([.. SortedInputs.Select(p => preprocessing.Apply(ImageIO.Read(Path.Combine(_images, p))))]);
        using var logits = loaded.Model.Call(x);
        using var predicted = logits.Argmax(1);
        foreach (var (method, options) in new[] { ("grad-cam", new ExplainerOptions()), ("score-cam", new ExplainerOptions { BatchSize = 2 }), ("rise", new ExplainerOptions { RiseMasks = 64, Seed = 4 }) })
        {
            using var maps = Npy.Load(Path.Combine(outDir, method + ".npy"));
            Assert.Equal(ScalarType.Float32, maps.DType);
            Assert.Equal(new long[] { 3, 32, 32 }, maps.Shape);
            Assert.All(maps.ToArray<float>(), v => Assert.InRange(v, 0f, 1f));
            using var explainer = ExplainerRegistry.Create(method, loaded.Model, options);
            using var expected = explainer.Explain(x, predicted);
            Assert.True(expected.AllClose(maps, rtol: 0, atol: 1e-5), $"{method}: the CLI's maps differ from the library's");
        }

        // explain.json
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "explain.json")))!;
        Assert.Equal("ocular.explain/1", (string?)json["format"]);
        Assert.Equal(SortedInputs.Select(p => Path.Combine(_images, p)), json["inputs"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("predicted", (string?)json["target"]);
        var predictions = json["predictions"]!.AsArray();
        using var probabilities = Functional.Softmax(logits, 1);
        for (var i = 0; i < 3; i++)
        {
            var c = predicted.ToArray<long>()[i];
            Assert.Equal(c, (long)predictions[i]!["class"]!);
            Assert.Equal(Classes[c], (string?)predictions[i]!["name"]);
            Assert.Equal(probabilities.Select(0, i).Select(0, c).Item<float>(), (double)predictions[i]!["probability"]!, 5);
            Assert.Equal(c, (long)json["rows"]![i]!["target"]!);
            Assert.Equal(i, (int)json["rows"]![i]!["input"]!);
        }
        var methods = json["methods"]!.AsArray();
        Assert.Equal(["grad-cam", "score-cam", "rise"], methods.Select(m => (string?)m!["name"]));
        Assert.Equal("block4", (string?)methods[0]!["layers"]![0]);
        Assert.Empty(methods[2]!["layers"]!.AsArray());
        Assert.Equal(64, (int)methods[2]!["settings"]!["masks"]!);
        Assert.Equal(32, (int)json["preprocessing"]!["input_size"]!);
        Assert.Equal(36, (int)json["preprocessing"]!["resize_size"]!);
        Assert.Equal(0.25, (double)json["preprocessing"]!["std"]![1]!);

        // Overlays: one 32 × 32 RGB PNG per image and method; the sheet: 3 rows × 3 columns of them.
        var overlays = Directory.GetFiles(Path.Combine(outDir, "overlays")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(9, overlays.Count);
        Assert.Contains("sub_a_score-cam.png", overlays);
        Assert.Contains("z_rise.png", overlays);
        using (var overlay = ImageIO.Read(Path.Combine(outDir, "overlays", "b_grad-cam.png")))
            Assert.Equal(new long[] { 3, 32, 32 }, overlay.Shape);
        using var sheet = ImageIO.Read(Path.Combine(outDir, "sheet.png"));
        Assert.Equal(new long[] { 3, 96, 96 }, sheet.Shape);
        using var cell = sheet.Slice(1, 32, 64).Slice(2, 64, 96);   // row 2 (sub/a), column 3 (rise)
        using var sameOverlay = ImageIO.Read(Path.Combine(outDir, "overlays", "sub_a_rise.png"));
        Assert.True(cell.Equal(sameOverlay));
    }

    [Fact]
    public void TopKExplainsSeveralClassesPerImage()
    {
        var outDir = Path.Combine(_dir, "top2");
        var r = CliRunner.Run("explain", "--model", _model, "--method", "GradCAM++", "--target", "top-2", "--input", Path.Combine(_images, "b.png"), "--out", outDir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var maps = Npy.Load(Path.Combine(outDir, "grad-cam++.npy"));
        Assert.Equal(new long[] { 2, 32, 32 }, maps.Shape);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "explain.json")))!;
        var rows = json["rows"]!.AsArray();
        Assert.Equal(2, rows.Count);
        Assert.Equal(json["predictions"]![0]!["class"]!.GetValue<long>(), rows[0]!["target"]!.GetValue<long>());
        Assert.NotEqual(rows[0]!["target"]!.GetValue<long>(), rows[1]!["target"]!.GetValue<long>());
        Assert.True(File.Exists(Path.Combine(outDir, "overlays", "b_grad-cam++_top2.png")));
        using var sheet = ImageIO.Read(Path.Combine(outDir, "sheet.png"));
        Assert.Equal(new long[] { 3, 64, 32 }, sheet.Shape);
    }

    [Fact]
    public void AClassNameTargetAndSeveralLayers()
    {
        var outDir = Path.Combine(_dir, "named");
        var r = CliRunner.Run("explain", "--model", _model, "--method", "layer-cam", "--layer", "block3,block4", "--target", "star", "--input", _images, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("layer-cam: layers block3, block4", r.StdOut);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "explain.json")))!;
        Assert.All(json["rows"]!.AsArray(), row => Assert.Equal("star", (string?)row!["target_name"]));
        Assert.Equal(["block3", "block4"], json["methods"]![0]!["layers"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public void UpsampleAlignCornersReachesScoreCamIsRecordedAndNotedForOtherMethods()
    {
        var outDir = Path.Combine(_dir, "aligned");
        var r = CliRunner.Run("explain", "--model", _model, "--method", "score-cam,grad-cam", "--upsample", "align-corners", "--input", _images, "--out", outDir, "--batch-size", "8");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("note: --upsample align-corners changes only score-cam; grad-cam gives the same maps with either value", r.StdOut);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "explain.json")))!;
        Assert.Equal("align-corners", (string?)json["methods"]![0]!["settings"]!["upsample"]);
        Assert.Null(json["methods"]![1]!["settings"]!["upsample"]);

        // The maps are the library's with AlignCorners, not its default ones.
        using var loaded = ClassifierCheckpoint.Load(_model);
        var preprocessing = loaded.Metadata.Preprocessing();
        using var x = Tensor.Stack([.. SortedInputs.Select(p => preprocessing.Apply(ImageIO.Read(Path.Combine(_images, p))))]);
        using var logits = loaded.Model.Call(x);
        using var predicted = logits.Argmax(1);
        using var maps = Npy.Load(Path.Combine(outDir, "score-cam.npy"));
        using var aligned = ExplainerRegistry.Create("score-cam", loaded.Model, new ExplainerOptions { Upsampling = Upsampling.AlignCorners });
        using var expected = aligned.Explain(x, predicted);
        Assert.True(expected.AllClose(maps, rtol: 0, atol: 1e-5), "score-cam: the CLI's align-corners maps differ from the library's");
        using var halfPixel = ExplainerRegistry.Create("score-cam", loaded.Model);
        using var byDefault = halfPixel.Explain(x, predicted);
        using var gap = byDefault.Sub(maps).Abs().Max();
        Assert.True(gap.Item<float>() > 1e-3, $"--upsample align-corners made no difference to score-cam (max |difference| {gap.Item<float>():G3})");
    }

    // docs/precision.md: --precision bf16 runs every method in bfloat16 autocast (emulated here, forced off: one warning),
    // records it per method in explain.json and says it per method; the default (auto) falls back to float32 silently on
    // such a processor, and picks bf16 for the perturbation methods only where bfloat16 is native (forced on).
    [Fact]
    public void PrecisionIsAppliedPerMethodRecordedAndWarnedOnce()
    {
        var off = new Dictionary<string, string> { ["OCULAR_NATIVE_BF16"] = "0" };
        var bf16Dir = Path.Combine(_dir, "bf16");
        var r = CliRunner.Run(off, "explain", "--model", _model, "--method", "score-cam,grad-cam", "--precision", "bf16", "--input", _images, "--out", bf16Dir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Single(r.StdErr.Split('\n'), l => l.Contains("precision bf16: this processor has no native bfloat16"));
        Assert.Contains("score-cam: layer block4 (compact_cnn's default layer) (bf16)", r.StdOut);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(bf16Dir, "explain.json")))!;
        Assert.Equal("bf16", (string?)json["methods"]![0]!["settings"]!["precision"]);
        Assert.Equal("bf16", (string?)json["methods"]![1]!["settings"]!["precision"]);

        var autoDir = Path.Combine(_dir, "auto");
        var auto = CliRunner.Run(off, "explain", "--model", _model, "--method", "score-cam", "--input", _images, "--out", autoDir);
        Assert.True(auto.ExitCode == 0, auto.StdErr);
        Assert.DoesNotContain("precision", auto.StdErr);
        Assert.Equal("fp32", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(autoDir, "explain.json")))!["methods"]![0]!["settings"]!["precision"]);
        using (var fp32 = Npy.Load(Path.Combine(autoDir, "score-cam.npy")))
        using (var bf16 = Npy.Load(Path.Combine(bf16Dir, "score-cam.npy")))
        {
            Assert.Equal(fp32.Shape, bf16.Shape);
            Assert.False(fp32.Equal(bf16), "the bf16 maps equal the fp32 maps");
            Assert.True(fp32.AllClose(bf16, rtol: 0, atol: 0.1), "the bf16 maps are far from the fp32 maps");
        }

        var nativeDir = Path.Combine(_dir, "native");
        var native = CliRunner.Run(new Dictionary<string, string> { ["OCULAR_NATIVE_BF16"] = "1" }, "explain", "--model", _model, "--method", "score-cam,grad-cam", "--input", _images, "--out", nativeDir);
        Assert.True(native.ExitCode == 0, native.StdErr);
        var nativeJson = JsonNode.Parse(File.ReadAllText(Path.Combine(nativeDir, "explain.json")))!;
        Assert.Equal("bf16", (string?)nativeJson["methods"]![0]!["settings"]!["precision"]);
        Assert.Equal("fp32", (string?)nativeJson["methods"]![1]!["settings"]!["precision"]);

        var bad = CliRunner.Run("explain", "--model", _model, "--method", "score-cam", "--precision", "fp16", "--input", _images, "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--precision must be fp32, bf16 or auto, got 'fp16'", bad.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "bad")));
    }

    [Fact]
    public void AnUnknownUpsampleIsAOneLineError()
    {
        var r = CliRunner.Run("explain", "--model", _model, "--method", "score-cam", "--upsample", "align_corners", "--input", _images, "--out", Path.Combine(_dir, "u"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown --upsample 'align_corners': expected half-pixel or align-corners", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(_dir, "u")));
    }

    [Fact]
    public void AnUnknownMethodIsAOneLineErrorListingTheValidOnes()
    {
        var r = CliRunner.Run("explain", "--model", _model, "--method", "grad-cam,smooth-cam", "--input", _images, "--out", Path.Combine(_dir, "x"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown explanation method 'smooth-cam'; valid methods: cam, grad-cam, grad-cam++", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(_dir, "x")));
    }

    [Fact]
    public void AnUnknownLayerIsAOneLineErrorListingTheLayers()
    {
        var r = CliRunner.Run("explain", "--model", _model, "--method", "score-cam", "--layer", "layer4", "--input", _images, "--out", Path.Combine(_dir, "y"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown layer 'layer4' in compact_cnn; valid layers: block1, block1.0", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
