using System.Text.RegularExpressions;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;
using Ocular.Vision.Models;

namespace Ocular.Cli.Tests;

/// <summary>
/// <c>ocular import</c> and <c>ocular predict</c> end to end on the committed CIFAR ResNet .pth files
/// (tests/fixtures/interop/make_interop.py) and images generated here.
/// </summary>
public sealed class ImportPredictCommandTests : IDisposable
{
    private static readonly string[] Cifar10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    // The CLI and this process run the same kernels on the same inputs; the thread count may differ
    // (summation order): float32 logits of magnitude ≈ 1 agree far within 1e-5.
    private const double LogitTolerance = 1e-5;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ocular-cli-tests-" + Guid.NewGuid().ToString("N"));

    public ImportPredictCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }

    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", "interop", file);

    private string TempFile(string relative)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private string ClassesFile(IEnumerable<string> names)
    {
        var path = TempFile("classes.txt");
        File.WriteAllText(path, string.Join("\n", names) + "\n");
        return path;
    }

    /// <summary>Imports the CIFAR ResNet-20 with CIFAR-10's class names and no resize (32 → 32).</summary>
    private string ImportResNet20()
    {
        var model = TempFile("resnet20.ocular");
        var r = CliRunner.Run("import", "--arch", "cifar_resnet20", "--weights", Fixture("cifar_resnet20.pth"),
                              "--classes", ClassesFile(Cifar10), "--resize-size", "32", "--out", model);
        Assert.True(r.ExitCode == 0, r.StdErr);
        return model;
    }

    /// <summary>Random RGB images of various sizes and formats, with names that sort ordinally in a known order, and a file that is no image.</summary>
    private string ImageFolder()
    {
        var folder = Path.Combine(_dir, "images");
        var generator = new Generator(7);
        foreach (var (name, h, w) in new[] { ("sub/c.bmp", 40, 36), ("a0.png", 32, 32), ("B.png", 36, 48), ("a.jpg", 50, 40) })
        {
            using var image = Tensor.RandInt(256, [3, h, w], generator, ScalarType.UInt8);
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (name.EndsWith(".bmp", StringComparison.Ordinal)) File.WriteAllBytes(path, ImageIO.EncodePng(image)); // a PNG named .bmp: decoded by content
            else ImageIO.Write(path, image);
        }
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image");
        return folder;
    }

    /// <summary>The logits the library computes for <paramref name="files"/> with the checkpoint's preprocessing (overridden by <paramref name="edit"/>).</summary>
    private static Tensor LibraryLogits(string model, IEnumerable<string> files, Func<ClassifierMetadata, ClassifierMetadata>? edit = null)
    {
        using var loaded = ClassifierCheckpoint.Load(model);
        var metadata = edit is null ? loaded.Metadata : edit(loaded.Metadata);
        var preprocess = metadata.Preprocessing();
        using var scope = DisposeScope.Enter();
        using var inference = Autograd.InferenceMode();
        var inputs = files.Select(f =>
        {
            using var raw = ImageIO.Read(f, metadata.ReadMode);
            return preprocess.Apply(raw);
        }).ToList();
        using var x = Tensor.Stack(inputs);
        return DisposeScope.Detach(loaded.Model.Call(x));
    }

    private static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        using var d = a.Sub(b);
        using var abs = d.Abs();
        using var max = abs.Max();
        return max.Item<float>();
    }

    [Fact]
    public void ImportWritesACheckpointWithClassNamesPreprocessingAndProvenance()
    {
        var model = TempFile("resnet20.ocular");
        var r = CliRunner.Run("import", "--arch", "cifar_resnet20", "--weights", Fixture("cifar_resnet20.pth"),
                              "--classes", ClassesFile(Cifar10), "--input-size", "32", "--mean", "0.5,0.5,0.5", "--std", "0.25", "0.25", "0.25", "--out", model);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Matches(@"keys loaded\s*│\s*128 of 128 \(all\)", r.StdOut);
        Assert.Matches(@"classes\s*│\s*10: airplane, automobile, bird", r.StdOut);
        Assert.Matches(@"parameters\s*│\s*272,474", r.StdOut);
        Assert.Contains($"wrote {model}", r.StdOut);

        var metadata = ClassifierCheckpoint.ReadMetadata(model);
        Assert.Equal("cifar_resnet20", metadata.Architecture);
        Assert.Equal(Cifar10, metadata.ClassNames);
        Assert.Equal(32, metadata.InputSize);
        Assert.Equal(37, metadata.ResizeSize);        // round(32·256/224)
        Assert.Equal([0.5, 0.5, 0.5], metadata.Mean);
        Assert.Equal([0.25, 0.25, 0.25], metadata.Std);
        Assert.Equal("pytorch", (string)metadata.Training!["format"]!);
        Assert.Equal(Path.GetFullPath(Fixture("cifar_resnet20.pth")), (string)metadata.Training!["imported_from"]!);
    }

    [Fact]
    public void ImportOfAWrappedCheckpointReportsTheWrapperAndDefaultsToImageNetPreprocessing()
    {
        var model = TempFile("resnet8.ocular");
        var r = CliRunner.Run("import", "--arch", "cifar_resnet8", "--weights", Fixture("cifar_resnet8_wrapped.pth"), "--out", model);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("56 tensors under 'state_dict'", r.StdOut);
        Assert.Contains("epoch=5, arch=\"cifar_resnet8\"", r.StdOut);
        Assert.Matches(@"skipped \(not weights\)\s*│\s*best_acc", r.StdOut);
        var metadata = ClassifierCheckpoint.ReadMetadata(model);
        Assert.Empty(metadata.ClassNames);
        Assert.Equal(10, metadata.NumClasses);
        Assert.Equal([0.485, 0.456, 0.406], metadata.Mean);
        Assert.Equal(5L, (long)metadata.Training!["extras"]!["epoch"]!);
        Assert.Equal("state_dict", (string)metadata.Training!["wrapper_key"]!);

        var prefixed = CliRunner.Run("import", "--arch", "cifar_resnet8", "--weights", Fixture("cifar_resnet8_dataparallel.pth"), "--out", TempFile("dp.ocular"));
        Assert.True(prefixed.ExitCode == 0, prefixed.StdErr);
        Assert.Contains("'module.' prefix removed", prefixed.StdOut);
    }

    [Fact]
    public void PredictPrintsTopKInSortedPathOrderAndWritesTheLibrarysLogits()
    {
        var model = ImportResNet20();
        var folder = ImageFolder();
        var logitsPath = TempFile("out/logits.npy");
        var r = CliRunner.Run("predict", "--model", model, "--input", folder, "--top-k", "3", "--logits", logitsPath, "--batch-size", "3");
        Assert.True(r.ExitCode == 0, r.StdErr);

        string[] order = ["B.png", "a.jpg", "a0.png", "sub/c.bmp"];   // ordinal: upper case first; notes.txt is no image
        var lines = r.StdOut.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Equal(order, lines.Where(l => order.Contains(l)));
        var positions = order.Select(n => lines.IndexOf(n)).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.DoesNotContain("notes.txt", r.StdOut);

        using var logits = Npy.Load(logitsPath);
        Assert.Equal(new long[] { 4, 10 }, logits.Shape);
        Assert.Equal(ScalarType.Float32, logits.DType);
        using var expected = LibraryLogits(model, order.Select(n => Path.Combine(folder, n)));
        Assert.True(MaxAbsDiff(expected, logits) <= LogitTolerance);

        // Each image's table: ranks 1–3 with the classes in decreasing probability, as softmax(logits) gives them.
        using var probabilities = Functional.Softmax(expected, 1);
        var p = probabilities.ToArray<float>();
        for (var i = 0; i < order.Length; i++)
        {
            var ranked = Enumerable.Range(0, 10).OrderByDescending(c => p[i * 10 + c]).Take(3).ToList();
            var start = positions[i];
            for (var rank = 0; rank < 3; rank++)
            {
                var row = lines.Skip(start).First(l => Regex.IsMatch(l, $@"^│\s*{rank + 1} │"));
                Assert.Matches($@"│\s*{rank + 1} │ {Cifar10[ranked[rank]]}\s*│\s*{p[i * 10 + ranked[rank]].ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)} │", row);
            }
        }
    }

    // --precision bf16 on a processor without native bfloat16 (forced off) runs emulated, with one notice; the logits
    // (float32 in the file) stay within bfloat16's rounding of the float32 ones: 8 mantissa bits through 20 layers, on
    // logits of order 1–10, asserted within 0.5 and not identical (the arithmetic did change).
    [Fact]
    public void PredictInBfloat16()
    {
        var model = ImportResNet20();
        var folder = ImageFolder();
        var logitsPath = TempFile("bf16.npy");
        var r = CliRunner.Run(new Dictionary<string, string> { [CpuFeatures.NativeBf16Variable] = "0" },
            "predict", "--model", model, "--input", folder, "--logits", logitsPath, "--precision", "bf16");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Single(r.StdErr.Split('\n'), l => l.Contains("precision bf16: this processor has no native bfloat16"));
        using var logits = Npy.Load(logitsPath);
        Assert.Equal(ScalarType.Float32, logits.DType);
        string[] order = ["B.png", "a.jpg", "a0.png", "sub/c.bmp"];
        using var expected = LibraryLogits(model, order.Select(n => Path.Combine(folder, n)));
        Assert.InRange(MaxAbsDiff(expected, logits), 1e-4, 0.5);
        var auto = CliRunner.Run(new Dictionary<string, string> { [CpuFeatures.NativeBf16Variable] = "0" },
            "predict", "--model", model, "--input", folder, "--precision", "auto");
        Assert.Contains("precision auto: this processor has no native bfloat16 (avx512_bf16 or amx_bf16), so float32 runs", auto.StdErr);
        Assert.Contains("--precision must be fp32, bf16 or auto, got 'half'", CliRunner.Run("predict", "--model", model, "--input", folder, "--precision", "half").StdErr);
    }

    [Fact]
    public void PredictOneFileWithPreprocessingOverridden()
    {
        var model = ImportResNet20();
        var folder = ImageFolder();
        var image = Path.Combine(folder, "a.jpg");
        var logitsPath = TempFile("one.npy");
        var r = CliRunner.Run("predict", "--model", model, "--input", image, "--top-k", "20", "--logits", logitsPath,
                              "--input-size", "40", "--mean", "0.5", "0.4", "0.3", "--std", "0.2,0.2,0.2");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains(image, r.StdOut);
        Assert.Matches(@"│\s*10 │", r.StdOut);               // --top-k is capped at the number of classes
        Assert.DoesNotMatch(@"│\s*11 │", r.StdOut);
        using var logits = Npy.Load(logitsPath);
        // An input size alone keeps the checkpoint's resize/crop ratio (32/32 here).
        using var expected = LibraryLogits(model, [image], m => m with { InputSize = 40, ResizeSize = 40, Mean = [0.5, 0.4, 0.3], Std = [0.2, 0.2, 0.2] });
        Assert.Equal(new long[] { 1, 10 }, logits.Shape);
        Assert.True(MaxAbsDiff(expected, logits) <= LogitTolerance);
    }

    [Fact]
    public void MismatchedWeightsListEveryKeyAndFailUnlessAllowPartial()
    {
        var output = TempFile("mismatched.ocular");
        var r = CliRunner.Run("import", "--arch", "cifar_resnet8", "--weights", Fixture("mismatched.pth"), "--out", output);
        Assert.Equal(1, r.ExitCode);
        Assert.Matches(@"│ bn1\.weight\s*│ missing from the file", r.StdErr);
        Assert.Matches(@"│ layer3\.0\.downsample\.1\.running_var\s*│ missing from the file", r.StdErr);
        Assert.Matches(@"│ bn1\.gamma\s*│ unexpected", r.StdErr);
        Assert.Matches(@"│ fc\.weight\s*│ wrong shape\s*│ \[10, 64\]\s*│ \[10, 32\]", r.StdErr);
        var last = r.StdErr.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("ocular: error: ", last);
        Assert.Contains("31 missing, 1 unexpected, 1 wrongly shaped of 56 keys", last);
        Assert.Contains("--allow-partial loads the matching keys anyway", last);
        Assert.False(File.Exists(output));

        var partial = CliRunner.Run("import", "--arch", "cifar_resnet8", "--weights", Fixture("mismatched.pth"), "--out", output, "--allow-partial");
        Assert.True(partial.ExitCode == 0, partial.StdErr);
        Assert.Contains("warning: --allow-partial: 18 of 56 keys loaded", partial.StdErr);
        Assert.Matches(@"│ fc\.weight\s*│ wrong shape", partial.StdErr);
        Assert.Matches(@"keys loaded\s*│\s*18 of 56 \(partial\)", partial.StdOut);
        var metadata = ClassifierCheckpoint.ReadMetadata(output);
        Assert.Equal("bn1.gamma", (string)metadata.Training!["partial"]!["unexpected"]![0]!);
    }

    [Fact]
    public void ErrorsAreOneLineAndExitOne()
    {
        var model = ImportResNet20();
        var folder = ImageFolder();
        var empty = TempFile("empty/readme.txt");
        File.WriteAllText(empty, "no images here");
        var bad = TempFile("bad/z.png");
        File.WriteAllText(bad, "this is not a PNG");
        var classes = ClassesFile(["cat", "dog", "bird"]);
        var cases = new (string[] Args, string Message)[]
        {
            (["import", "--arch", "resnet19", "--weights", Fixture("cifar_resnet20.pth"), "--out", TempFile("x.ocular")], "unknown architecture 'resnet19'"),
            (["import", "--arch", "cifar_resnet20", "--weights", TempFile("missing.pth"), "--out", TempFile("x.ocular")], $"weights file not found: {TempFile("missing.pth")}"),
            (["import", "--arch", "cifar_resnet20", "--weights", Fixture("cifar_resnet20.pth"), "--classes", classes, "--out", TempFile("x.ocular")],
                $"{classes} lists 3 class names but the weights have 10 classes (the rows of fc.weight)"),
            (["import", "--arch", "cifar_resnet20", "--weights", Fixture("cifar_resnet20.pth"), "--mean", "0.5", "0.5", "--out", TempFile("x.ocular")],
                "--mean needs one value per input channel (3), got 2"),
            (["predict", "--model", model, "--input", Path.GetDirectoryName(empty)!], $"no image files in {Path.GetDirectoryName(empty)}"),
            (["predict", "--model", model, "--input", TempFile("nowhere")], $"input not found: {TempFile("nowhere")}"),
            (["predict", "--model", model, "--input", Path.GetDirectoryName(bad)!], bad),
            (["predict", "--model", model, "--input", Path.Combine(folder, "a0.png"), "--input-size", "16"], "cifar_resnet20 cannot run on a 16×16 input"),
            (["predict", "--model", TempFile("none.ocular"), "--input", bad], $"model checkpoint not found: {TempFile("none.ocular")}"),
        };
        foreach (var (args, message) in cases)
        {
            var r = CliRunner.Run(args);
            Assert.True(r.ExitCode == 1, $"{string.Join(' ', args)}: exit {r.ExitCode}");
            var line = Assert.Single(r.StdErr.Trim().Split('\n'));
            Assert.StartsWith("ocular: error: ", line);
            Assert.Contains(message, line);
        }
        Assert.False(File.Exists(TempFile("x.ocular")));
    }
}
