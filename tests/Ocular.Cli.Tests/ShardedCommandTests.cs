using System.Text.Json.Nodes;
using Ocular.TestSupport;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;

namespace Ocular.Cli.Tests;

/// <summary>The tiny checkpoint, a maps file with a NaN map, and a folder of images of several sizes, for the sharded runs.</summary>
public sealed class ShardedFixture : IDisposable
{
    public ShardedFixture()
    {
        Checkpoint = TinyCheckpoint.Create(Directory.Path);
        using var g = new Generator(17);
        using (var maps = Tensor.Rand([8, 32, 32], g))
        {
            Npy.Save(Directory.File("maps.npy"), maps);
            using var row = maps.Select(0, 5);
            row.Fill_(double.NaN);
            Npy.Save(Directory.File("nan-at-5.npy"), maps);
        }
        foreach (var (name, h, w) in new[] { ("a.png", 40, 48), ("b.png", 36, 36), ("c/d.png", 50, 37), ("e.png", 32, 32), ("f.png", 33, 45) })
        {
            using var pixels = Tensor.RandInt(256, [3, h, w], g, ScalarType.UInt8);
            ImageIO.WritePng(Directory.File(Path.Combine("images", name)), pixels);
        }
    }

    internal TempDirectory Directory { get; } = new();
    public string Checkpoint { get; }

    public void Dispose() => Directory.Dispose();
}

/// <summary>
/// Sharded <c>ocular evaluate</c> and <c>ocular explain</c> (docs/distributed.md): two real processes over loopback,
/// launched as torchrun launches workers or by <c>--nproc-per-node</c>, write byte for byte the files one process writes
/// (the same threads per process); a rank that fails stops the run with its error, and nothing is written.
/// </summary>
public sealed class ShardedCommandTests(ShardedFixture fixture) : IClassFixture<ShardedFixture>
{
    private const string Shapes = "shapes:count=16,test-count=8,size=32";

    // Two ranks of one command, configured as torchrun configures its workers.
    private static async Task<CliRunner.Result[]> TwoRanks(params string[] args)
    {
        var port = LoopbackRanks.FreePort();
        return await Task.WhenAll(Enumerable.Range(0, 2).Select(r => Task.Run(() => CliRunner.Run(new Dictionary<string, string>
        {
            ["RANK"] = $"{r}", ["WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = $"{port}", ["OCULAR_GLOO_ADDRESS"] = "127.0.0.1",
        }, args))));
    }

    // Every file under a folder: relative path → bytes.
    private static SortedDictionary<string, byte[]> Files(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes), StringComparer.Ordinal);

    private static void AssertSameFiles(string expected, string actual)
    {
        var (a, b) = (Files(expected), Files(actual));
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (name, bytes) in a) Assert.True(bytes.AsSpan().SequenceEqual(b[name]), $"{name} differs from the single process's");
    }

    [Fact]
    public async Task TwoRanksEvaluateAsOneProcess()
    {
        // 8 images in chunks of 3: rank 0 computes chunks 0 and 2, rank 1 chunk 1; the sanity check's 4 images and the
        // gallery's 5 span both ranks' chunks; random draws from one generator in order, grad-cam depends on the model.
        string[] Args(string outName) =>
        [
            "evaluate", "--model", fixture.Checkpoint, "--data", Shapes, "--out", fixture.Directory.File(outName), "--methods", "random,grad-cam",
            "--maps", "file=" + fixture.Directory.File("maps.npy"), "--metrics", "ad,ic,ag,deletion,insertion,road,pointing,ebpg,top1,sanity",
            "--keep", "100,15", "--road-percent", "20,60", "--chunk-size", "3", "--sanity-images", "4", "--gallery", "5", "--seed", "5",
        ];
        var single = CliRunner.Run([.. Args("single"), "--threads", "1"]);
        Assert.True(single.ExitCode == 0, single.StdErr);

        var ranks = await TwoRanks([.. Args("ranks"), "--threads", "1"]);
        Assert.True(ranks[0].ExitCode == 0, ranks[0].StdErr);
        Assert.True(ranks[1].ExitCode == 0, ranks[1].StdErr);
        Assert.Contains("evaluate: 8/8 images done", ranks[0].StdErr);
        Assert.Matches(@"(?m)^grad-cam\s+\d", ranks[0].StdOut);
        Assert.Equal("", ranks[1].StdOut + ranks[1].StdErr);   // rank 1 computes quietly and writes nothing
        AssertSameFiles(fixture.Directory.File("single"), fixture.Directory.File("ranks"));

        // results.json has no timing fields: the files are compared whole. It holds the sanity cascade of both explainers.
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Directory.File("ranks"), "results.json")))!;
        Assert.Equal(8, (int)json["settings"]!["images"]!);
        foreach (var method in json["methods"]!.AsArray().Where(m => (string?)m!["source"] == "explainer"))
            Assert.NotEmpty(method!["sanity"]!.AsArray());

        var launched = CliRunner.Run([.. Args("launched"), "--nproc-per-node", "2", "--threads", "2"]);
        Assert.True(launched.ExitCode == 0, launched.StdErr);
        AssertSameFiles(fixture.Directory.File("single"), fixture.Directory.File("launched"));
    }

    [Fact]
    public async Task TwoRanksExplainAsOneProcess()
    {
        // 5 images in batches of 2, two targets each: rank 0 explains batches 0 and 2, rank 1 batch 1.
        string[] Args(string outName) =>
        [
            "explain", "--model", fixture.Checkpoint, "--method", "grad-cam,random,rise", "--target", "top-2", "--input", fixture.Directory.File("images"),
            "--out", fixture.Directory.File(outName), "--batch-size", "2", "--rise-masks", "32", "--seed", "3",
        ];
        var single = CliRunner.Run([.. Args("explained"), "--threads", "1"]);
        Assert.True(single.ExitCode == 0, single.StdErr);
        var ranks = await TwoRanks([.. Args("explained-ranks"), "--threads", "1"]);
        Assert.True(ranks[0].ExitCode == 0, ranks[0].StdErr);
        Assert.True(ranks[1].ExitCode == 0, ranks[1].StdErr);
        Assert.Contains("explained 5 images (10 maps per method)", ranks[0].StdOut);
        Assert.Equal("", ranks[1].StdOut + ranks[1].StdErr);
        var files = Files(fixture.Directory.File("explained-ranks"));
        Assert.Equal(3 + 1 + 1 + 5 * 2 * 3, files.Count);   // three .npy, sheet.png, explain.json, 30 overlays
        AssertSameFiles(fixture.Directory.File("explained"), fixture.Directory.File("explained-ranks"));

        var launched = CliRunner.Run([.. Args("explained-launched"), "--nproc-per-node", "2", "--threads", "2"]);
        Assert.True(launched.ExitCode == 0, launched.StdErr);
        AssertSameFiles(fixture.Directory.File("explained"), fixture.Directory.File("explained-launched"));
    }

    [Fact]
    public void ARankThatFailsStopsTheRunAndNothingIsWritten()
    {
        // Image 5 is in chunk 1 of 4 images: rank 1's. Rank 0 computes chunk 0 and waits for it in vain.
        var outDir = fixture.Directory.File("failed");
        var r = CliRunner.Run("evaluate", "--model", fixture.Checkpoint, "--data", Shapes, "--out", outDir, "--maps", "bad=" + fixture.Directory.File("nan-at-5.npy"),
            "--metrics", "ad", "--chunk-size", "4", "--nproc-per-node", "2", "--threads", "2");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("ocular: rank 1 of 2 failed (exit code 1): ocular: error: ", r.StdErr);
        Assert.Contains("nan-at-5.npy: the map of image 5 has NaN or infinite values; the other ranks were stopped", r.StdErr);
        Assert.False(Directory.Exists(outDir));
    }
}
