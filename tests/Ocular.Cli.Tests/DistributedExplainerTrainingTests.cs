using System.Globalization;
using Ocular.Explain.Learned.LCam;
using Ocular.Explain.Learned.Lavise;
using Ocular.Explain.Learned.Lvw;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;

namespace Ocular.Cli.Tests;

/// <summary>
/// <c>ocular train l-cam</c>, <c>lvw</c> and <c>lavise</c> as two ranks launched as torchrun launches workers (real processes
/// over loopback): each trains one run that rank 0 alone writes and reports, resumes it, and its checkpoints load. Two
/// L-CAM ranks of batch B take the steps one process takes with batch 2B.
/// </summary>
public sealed class DistributedExplainerTrainingTests : IDisposable
{
    private const string Shapes = "shapes:count=64,test-count=16,size=32";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static void Succeeded(CliRunner.Result[] ranks)
    {
        Assert.True(ranks[0].ExitCode == 0, ranks[0].StdErr);
        Assert.True(ranks[1].ExitCode == 0, ranks[1].StdErr);
        Assert.Equal("", ranks[1].StdOut);   // rank 1 trains quietly
    }

    private static int MetricRows(string run) => File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length;

    private static string[] Files(string run) => [.. Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    // The trained attention of a run's last checkpoint (L-CAM-Fm: one 1×1 convolution), weights then bias.
    private static float[] Attention(string run)
    {
        using var checkpoint = SafeTensors.Load(Path.Combine(run, "last.ocular"));
        return [.. checkpoint.Tensors["conv.weight"].ToArray<float>(), .. checkpoint.Tensors["conv.bias"].ToArray<float>()];
    }

    private static double Largest(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    // The largest difference between two runs' last checkpoints over every float tensor: the attention's weights and biases,
    // (TAME) its batch norms' affine parameters and running statistics, and the optimizer's momentum buffers.
    private static double LargestStateDifference(string a, string b)
    {
        using var x = SafeTensors.Load(Path.Combine(a, "last.ocular"));
        using var y = SafeTensors.Load(Path.Combine(b, "last.ocular"));
        var keys = x.Tensors.Keys.Where(k => x.Tensors[k].DType == ScalarType.Float32).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), y.Tensors.Keys.Where(k => y.Tensors[k].DType == ScalarType.Float32).Order(StringComparer.Ordinal));
        return keys.Max(k => Largest(x.Tensors[k].ToArray<float>(), y.Tensors[k].ToArray<float>()));
    }

    private static System.Text.Json.Nodes.JsonNode ConfigOptions(string run) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!["options"]!;

    [Fact]
    public async Task LCamTwoRanksOfBTakeTheStepsOfOneProcessOf2BAndResume()
    {
        var classifier = TinyCheckpoint.Create(_dir.Path);
        string[] Train(string run, int batch, params string[] extra) => ["train", "l-cam", "--model", classifier, "--variant", "fm", "--data", Shapes, "--epochs", "2",
            "--batch-size", $"{batch}", "--lr", "0.05", "--workers", "0", "--threads", "1", "--out", run, .. extra];
        var two = _dir.File("two");
        var ranks = await LaunchedRanks.Run(2, Train(two, 8, "--sync-bn"));
        Succeeded(ranks);
        Assert.Contains("2 epochs of 4 batches of 8", ranks[0].StdOut);   // 32 of the 64 images per rank and epoch
        // L-CAM-Fm's attention has no batch norm, and the frozen classifier's runs in evaluation mode: nothing to synchronise.
        Assert.Contains("--sync-bn: no batch-norm layer trains in this run", ranks[0].StdOut);
        Assert.True(ConfigOptions(two)["sync_batch_norm"]!.GetValue<bool>());
        Assert.Contains("feature cache: 64 images × 2 views", ranks[0].StdOut);
        Assert.Equal(2, MetricRows(two));

        // 64 images, a multiple of 2B = 16 (no padding): each step's batch of 16 in the seeded order is the union of the
        // ranks' batches of 8 (DataShard: rank r takes positions r, r + 2, …), the attention has no batch norm and the
        // classifier is frozen in evaluation mode, and the loss terms are batch means, so the averaged gradient is the
        // gradient over 16 — computed as the mean of two means over 8, the same float32 sums in another order. Measured:
        // weights within 2e-7 after the 8 momentum steps (magnitudes up to ~1); 1e-5 leaves room for that rounding to grow,
        // while one process of batch 8 (twice the steps) ends more than 1e-3 away.
        var one = _dir.File("one");
        Assert.True(CliRunner.Run(Train(one, 16)).ExitCode == 0);
        var halves = _dir.File("halves");
        Assert.True(CliRunner.Run(Train(halves, 8)).ExitCode == 0);
        Assert.InRange(Largest(Attention(two), Attention(one)), 0, 1e-5);
        Assert.True(Largest(Attention(halves), Attention(one)) > 1e-3);
        Assert.Equal(Files(one), Files(two));   // one run directory, as a single process writes it

        // Resumed with --nproc-per-node: the launcher starts the two ranks itself.
        var resumed = CliRunner.Run("train", "l-cam", "--resume", two, "--epochs", "3", "--nproc-per-node", "2", "--threads", "2", "--workers", "0");
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains("resuming", resumed.StdOut);
        Assert.Contains("--sync-bn: no batch-norm layer trains in this run", resumed.StdOut);   // kept from config.json
        Assert.Contains("epoch 3/3", resumed.StdOut);
        Assert.DoesNotContain("epoch 1/3", resumed.StdOut);
        Assert.Equal(3, MetricRows(two));
        var (attention, metadata) = LCamCheckpoint.Load(Path.Combine(two, "best.ocular"));
        using (attention)
        {
            Assert.Equal("fm", metadata.Variant);
            Assert.Equal(6, metadata.NumClasses);
        }

        // One process continues the 2-rank run with the same 16 images per step.
        var alone = CliRunner.Run("train", "l-cam", "--resume", two, "--epochs", "4", "--threads", "1", "--workers", "0");
        Assert.True(alone.ExitCode == 0, alone.StdErr);
        Assert.Contains("continues with 1 × batch 16: the same 16 images per step", alone.StdOut);
        Assert.Contains("epoch 4/4", alone.StdOut);
        Assert.Equal(4, MetricRows(two));
    }

    [Fact]
    public async Task TameTwoRanksOfBWithSyncBnTakeTheStepsOfOneProcessOf2B()
    {
        var classifier = TinyCheckpoint.Create(_dir.Path);
        string[] Train(string run, int batch, params string[] extra) => ["train", "l-cam", "--model", classifier, "--variant", "tame", "--data", Shapes,
            "--epochs", "2", "--batch-size", $"{batch}", "--lr", "0.05", "--workers", "0", "--threads", "1", "--out", run, .. extra];
        var one = _dir.File("one");
        Assert.True(CliRunner.Run(Train(one, 16)).ExitCode == 0);
        var synced = _dir.File("synced");
        var ranks = await LaunchedRanks.Run(2, Train(synced, 8, "--sync-bn"));
        Succeeded(ranks);
        Assert.Contains("batch norm synchronised across the 2 ranks in 3 layers", ranks[0].StdOut);   // TAME's bn0–bn2 (block2–block4)
        Assert.True(ConfigOptions(synced)["sync_batch_norm"]!.GetValue<bool>());
        var unsynced = _dir.File("unsynced");
        Succeeded(await LaunchedRanks.Run(2, Train(unsynced, 8)));
        Assert.False(ConfigOptions(unsynced)["sync_batch_norm"]!.GetValue<bool>());

        // As in the Fm test above, each step's 16 images are the union of the ranks' 8, the classifier is frozen in
        // evaluation mode and the loss terms are batch means; with --sync-bn TAME's batch norm also normalises each rank's 8
        // with the statistics of all 16 (exact two-pass sums over the ranks, their gradients all-reduced in the backward
        // pass), so the runs differ only in the order of float32 sums. Measured after 8 Nesterov steps at lr 0.05, over the
        // weights, the batch norms' parameters and running statistics and the momentum buffers (magnitudes up to ~1):
        // 4.8e-7 (a few ulps); 5e-6 leaves room for other kernels' rounding. Without --sync-bn each rank normalises with
        // its own 8 images: 3.8e-3 apart (2.7e-3 in bn0's running mean), asserted > 1e-3.
        var synchronisedApart = LargestStateDifference(synced, one);
        var perRankApart = LargestStateDifference(unsynced, one);
        Assert.True(synchronisedApart <= 5e-6, $"2 ranks × 8 with --sync-bn differ from 1 × 16 by {synchronisedApart}");
        Assert.True(perRankApart > 1e-3, $"per-rank batch norm should differ from 1 × 16, differs by {perRankApart}");
    }

    [Fact]
    public async Task LvwTwoRanksTrainPushAndResumeOneRun()
    {
        var classifier = TinyCheckpoint.Create(_dir.Path);
        const string data = "shapes:count=96,test-count=16,size=32";
        var run = _dir.File("lvw");
        var ranks = await LaunchedRanks.Run(2, "train", "lvw", "--base", classifier, "--data", data, "--epochs", "2", "--warm-epochs", "1",
            "--push-start", "1", "--push-every", "1", "--last-layer-iterations", "1", "--words-per-class", "2", "--dimension", "16", "--batch-size", "16",
            "--targets-cache", _dir.File("targets"), "--threads", "1", "--workers", "0", "--sync-bn", "--out", run);
        Succeeded(ranks);
        Assert.Contains("lvw_compact_cnn_w2_d16", ranks[0].StdOut);
        // The network trains in training mode in every phase: the compact CNN backbone's batch norms are synchronised.
        Assert.Contains("batch norm synchronised across the 2 ranks in 4 layers", ranks[0].StdOut);
        Assert.True(ConfigOptions(run)["sync_batch_norm"]!.GetValue<bool>());
        Assert.Contains("4 steps of 3 batches of 16", ranks[0].StdOut);   // 87 training images after the validation carve: 44 per rank
        Assert.Contains("push after epoch 1: 12 words on", ranks[0].StdOut);
        Assert.Equal(4, MetricRows(run));   // 0nopush, 1nopush, 1push, 1_0push
        Assert.True(File.Exists(Path.Combine(run, "push-1.json")));
        var push = LvwCheckpoint.ReadWords(Path.Combine(run, "push-1.ocular"))!;
        Assert.Equal(12, push.Words.Count);
        Assert.All(push.Words, w => Assert.InRange(w.Image, 0, 95));

        var resumed = await LaunchedRanks.Run(2, "train", "lvw", "--resume", run, "--epochs", "3", "--threads", "1", "--workers", "0");
        Succeeded(resumed);
        Assert.Contains("after step 1_0push (4 of 7)", resumed[0].StdOut);
        Assert.Contains("batch norm synchronised across the 2 ranks in 4 layers", resumed[0].StdOut);   // kept from config.json
        Assert.Equal(7, MetricRows(run));
        Assert.True(File.Exists(Path.Combine(run, "push-2.ocular")));
        using var trained = ClassifierCheckpoint.Load(Path.Combine(run, "last.ocular"));
        Assert.Equal("lvw_compact_cnn_w2_d16", trained.Model.Architecture);
        Assert.Equal(6, trained.Model.NumClasses);
    }

    [Fact]
    public async Task LaviseTwoRanksBuildTheSingleProcesssPairsTrainAndResume()
    {
        var classifier = TinyCheckpoint.Create(_dir.Path);
        var vectors = _dir.File("vectors.txt");
        var random = new Random(5);
        string[] words = ["circle", "square", "triangle", "star", "cross", "ring", "red", "green", "blue", "yellow", "magenta", "cyan", "the", "thing"];
        File.WriteAllLines(vectors, words.Select(w => w + " " + string.Join(" ",
            Enumerable.Range(0, 12).Select(_ => (random.NextDouble() - 0.5).ToString("F4", CultureInfo.InvariantCulture)))));
        var cache = new Dictionary<string, string> { ["XDG_CACHE_HOME"] = _dir.File("cache") };
        string[] Train(string run, params string[] extra) => ["train", "lavise", "--model", classifier, "--data", Shapes, "--embeddings", vectors, "--epochs", "2",
            "--batch-size", "16", "--lr", "1e-3", "--threads", "1", "--workers", "0", "--out", run, .. extra];
        var run = _dir.File("lavise");
        var ranks = await LaunchedRanks.Run(2, cache, Train(run, "--sync-bn"));
        Succeeded(ranks);
        Assert.Contains("batch norm synchronised across the 2 ranks in 2 layers", ranks[0].StdOut);   // the explainer's two BatchNorm1d
        Assert.True(ConfigOptions(run)["sync_batch_norm"]!.GetValue<bool>());
        Assert.Equal(2, MetricRows(run));
        Assert.True(File.Exists(Path.Combine(run, "concepts.json")));

        // The ranks built their parts of the pairs and gathered the training pairs: the counts of one process, and each
        // rank's half of them per epoch.
        var single = CliRunner.Run(cache, Train(_dir.File("single")));
        Assert.True(single.ExitCode == 0, single.StdErr);
        static string Line(string output, string start) => output.Split('\n').Single(l => l.StartsWith(start, StringComparison.Ordinal)).Split(", built")[0];
        Assert.Equal(Line(single.StdOut, "training pairs:"), Line(ranks[0].StdOut, "training pairs:"));
        Assert.Equal(Line(single.StdOut, "validation pairs:"), Line(ranks[0].StdOut, "validation pairs:"));
        var pairs = int.Parse(Line(single.StdOut, "training pairs:").Split(' ')[2], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.Contains($"of {((pairs + 1) / 2 + 15) / 16} batches of 16", ranks[0].StdOut);

        var resumed = await LaunchedRanks.Run(2, cache, "train", "lavise", "--resume", run, "--epochs", "3", "--threads", "1", "--workers", "0");
        Succeeded(resumed);
        Assert.Contains("resuming", resumed[0].StdOut);
        Assert.Contains("epoch 3/3", resumed[0].StdOut);
        Assert.Equal(3, MetricRows(run));
        var (network, metadata) = LaviseCheckpoint.Load(Path.Combine(run, "last.ocular"));
        using (network)
        {
            Assert.Equal(12, network.EmbeddingDimension);
            Assert.Equal(3, metadata.Training!["epoch"]!.GetValue<int>());
        }

        // --augment reads 2 images per rank and step; with one object per image a random crop can leave a rank's batch
        // without the two pairs batch norm needs while the other rank's has them (here rank 1's 9th batch). With --sync-bn
        // the explainer's batch norm all-reduces in every forward and backward pass, so that rank forwards and backs an
        // empty batch: were it to sit the step out, the ranks' collectives would no longer match (Gloo aborts the run).
        var augmented = _dir.File("augmented");
        var synchronised = await LaunchedRanks.Run(2, cache, "train", "lavise", "--model", classifier, "--data", "shapes:count=64,test-count=16,size=32,distractors=0",
            "--embeddings", vectors, "--epochs", "1", "--batch-size", "2", "--augment", "--sync-bn", "--lr", "1e-3", "--threads", "1", "--workers", "0", "--out", augmented);
        Succeeded(synchronised);
        Assert.Contains("batch norm synchronised across the 2 ranks in 2 layers", synchronised[0].StdOut);
        Assert.Equal(1, MetricRows(augmented));
    }
}
