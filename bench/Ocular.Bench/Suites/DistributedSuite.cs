using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Ocular.Bench.Harness;
using Ocular.Torch;
using Ocular.Torch.Distributed;
using Ocular.Torch.Optim;
using Ocular.Vision.Models;
using F = Ocular.Torch.Functional;

namespace Ocular.Bench.Suites;

/// <summary>
/// The distributed suite (issue 19): data-parallel ResNet-18 training at 112² with 16 images per step — one process with
/// the harness's threads against two processes (ranks) of one thread and 8 images each, gradients through
/// <see cref="GradientReducer"/> (c10d's reducer, buckets all-reduced during the backward pass) and batch-norm buffers
/// broadcast before each forward, as DistributedDataParallel — and the all-reduce bus bandwidth of two ranks over
/// loopback for 1–256 MB. bench/python/distributed.py is the twin: the same steps with PyTorch's
/// DistributedDataParallel, the same all-reduce with torch.distributed (Gloo). The data are tensors in memory, so that
/// the figures are compute and communication alone.
/// <para>The harness process is rank 0; a two-rank workload starts rank 1 as a second harness process (environment
/// <c>OCULAR_BENCH_RANK=1</c>, the master port, <c>--filter</c> the workload, one thread), which runs the same steps in
/// lockstep and whose output is dropped. Both ranks take the same fixed number of warm-up samples (the harness's 0.5 s
/// warm-up rule would let them disagree) and meet at a barrier before each timed sample.</para>
/// </summary>
public sealed class DistributedSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "distributed";

    /// <inheritdoc/>
    public override string Description => "data-parallel ResNet-18 training, 2 ranks × 1 thread vs 1 × 2 threads, and all-reduce bandwidth over loopback (c10d, Gloo)";

    private const double Target = 0.95;
    private const int Size = 112, Batch = 16, Classes = 10;
    private const string RankVariable = "OCULAR_BENCH_RANK", PortVariable = "OCULAR_BENCH_MASTER_PORT";

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        var steps = new Plan(Warmup: 2, Repeat: 5, PerSample: 4);
        var quickSteps = new Plan(Warmup: 1, Repeat: 1, PerSample: 1);
        var single = $"ddp_train_resnet18_{Size}_b{Batch}_1rank";
        yield return new(single, Units.ImagesPerSecond, steps, quickSteps, plan => Train(single, plan, ranks: 1));
        var two = $"ddp_train_resnet18_{Size}_b{Batch}_2ranks_t1";
        yield return new(two, Units.ImagesPerSecond, steps, quickSteps, plan => Train(two, plan, ranks: 2), Target);
        foreach (var mb in new[] { 1, 16, 64, 256 })
        {
            var name = $"allreduce_{mb}mb_2ranks";
            var per = Math.Max(1, 64 / mb);   // about 64 MB moved per sample
            yield return new(name, "GB/s", new Plan(3, 7, per), new Plan(1, 1, 1), plan => AllReduce(name, plan, mb));
        }
    }

    private static Measurement Train(string name, Plan plan, int ranks)
    {
        using var group = ranks > 1 ? Join(name, ranks, plan) : null;
        var rank = group?.Rank ?? 0;
        var perRank = Batch / ranks;
        var threads = Engine.NumThreads;
        if (ranks > 1) Engine.SetNumThreads(1);
        try
        {
            Engine.ManualSeed(0);
            using var model = ModelZoo.Create("resnet18", Classes);
            model.Train();
            if (group is not null) DataParallel.BroadcastState(model, group);
            using var reducer = group is null ? null : new GradientReducer(model.Parameters(), group);
            using var optimizer = new Sgd(model.Parameters(), lr: 0.01, momentum: 0.9);
            using var generator = new Generator(1000 + (ulong)rank);
            using var x = Tensor.Randn([perRank, 3, Size, Size], generator);
            using var y = Tensor.RandInt(Classes, [perRank], generator);
            void Step()
            {
                using var scope = DisposeScope.Enter();
                optimizer.ZeroGrad();
                if (group is not null) DataParallel.BroadcastBuffers(model, group);   // DDP's broadcast_buffers
                var loss = F.CrossEntropy(model.Call(x), y);
                if (reducer is null) loss.Backward();
                else reducer.Backward(loss);
                optimizer.Step();
            }
            var samples = Lockstep(plan, group, () =>
            {
                for (var i = 0; i < plan.PerSample; i++) Step();
            });
            return Measurement.Throughput(samples, Batch * plan.PerSample, Units.ImagesPerSecond,
                new Dictionary<string, object> { ["ranks"] = ranks, ["images_per_rank"] = perRank, ["threads_per_rank"] = Engine.NumThreads });
        }
        finally
        {
            Engine.SetNumThreads(threads);
        }
    }

    // Bus bandwidth as nccl-tests define it: bytes × 2(n − 1)/n per all-reduce over its time (for 2 ranks, bytes/time).
    private static Measurement AllReduce(string name, Plan plan, int megabytes)
    {
        using var group = Join(name, 2, plan);
        using var tensor = Tensor.Ones([megabytes * (1L << 20) / 4]);
        var samples = Lockstep(plan, group, () =>
        {
            for (var i = 0; i < plan.PerSample; i++) group.AllReduce(tensor);
        });
        var bytes = megabytes * (double)(1 << 20) * 2 * (group.WorldSize - 1) / group.WorldSize;
        return Measurement.Throughput(samples, bytes * plan.PerSample / 1e9, "GB/s", new Dictionary<string, object> { ["megabytes"] = megabytes, ["ranks"] = 2 });
    }

    // Fixed warm-up, then a barrier (untimed) before each timed sample so that the ranks start it together.
    private static Samples Lockstep(Plan plan, ProcessGroup? group, Action sample)
    {
        for (var i = 0; i < plan.Warmup; i++) sample();
        var wall = new double[plan.Repeat];
        var cpu = new double[plan.Repeat];
        for (var i = 0; i < plan.Repeat; i++)
        {
            group?.Barrier();
            var cpuStart = Environment.CpuUsage.TotalTime;
            var start = Stopwatch.GetTimestamp();
            sample();
            wall[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            cpu[i] = (Environment.CpuUsage.TotalTime - cpuStart).TotalSeconds;
        }
        return new Samples(wall, cpu);
    }

    // Rank 0 (this harness) starts rank 1 as a second harness process running the same workload, then both join.
    private static ProcessGroup Join(string workload, int ranks, Plan plan)
    {
        if (Environment.GetEnvironmentVariable(RankVariable) is { Length: > 0 } given)
            return ProcessGroup.Init("127.0.0.1", int.Parse(Environment.GetEnvironmentVariable(PortVariable)!), int.Parse(given), ranks, TimeSpan.FromMinutes(5), "127.0.0.1");
        var port = FreePort();
        for (var rank = 1; rank < ranks; rank++) StartRank(workload, rank, port, plan);
        return ProcessGroup.Init("127.0.0.1", port, 0, ranks, TimeSpan.FromMinutes(5), "127.0.0.1");
    }

    private static void StartRank(string workload, int rank, int port, Plan plan)
    {
        var args = Environment.GetCommandLineArgs().Skip(1).ToList();
        var host = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        psi.ArgumentList.Add("distributed");
        psi.ArgumentList.Add("--filter");
        psi.ArgumentList.Add($"^{workload}$");
        foreach (var a in new[] { "--threads", "1", "--warmup", $"{plan.Warmup}", "--repeat", $"{plan.Repeat}" }) psi.ArgumentList.Add(a);
        if (args.Contains("--quick")) psi.ArgumentList.Add("--quick");
        psi.Environment[RankVariable] = $"{rank}";
        psi.Environment[PortVariable] = $"{port}";
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start rank {rank}");
        _ = process.StandardOutput.ReadToEndAsync();   // its JSON line and progress are not the result
        _ = process.StandardError.ReadToEndAsync();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
