using System.Net;
using System.Net.Sockets;
using Ocular.TestSupport;
using Ocular.Torch.Distributed;

namespace Ocular.Torch.Tests.Distributed;

/// <summary>
/// c10d's TCPStore and Gloo process group over loopback, each rank on its own thread with its own group (the protocol is
/// the same as between processes): collectives give the same results on every rank, and a missing rank or a taken port
/// fails with one clear error within the timeout.
/// </summary>
public class ProcessGroupTests
{
    [Fact]
    public void CollectivesGiveEveryRankTheSameResult()
    {
        var results = LoopbackRanks.Run(3, g =>
        {
            using var x = Tensor.FromArray([g.Rank + 1f, 10f * (g.Rank + 1), -g.Rank]);
            g.AllReduce(x);
            using var m = Tensor.FromArray([g.Rank * 2.0, 5.0 - g.Rank]);
            g.AllReduce(m, ReduceOp.Max);
            using var b = Tensor.FromArray(new long[] { g.Rank, g.Rank });
            g.Broadcast(b, root: 2);
            var gathered = g.AllGather(Tensor.FromArray([g.Rank * 1.5f]));
            g.Barrier();
            return (Sum: x.ToArray<float>(), Max: m.ToArray<double>(), Broadcast: b.ToArray<long>(), Gathered: gathered.Select(t => t.Item<float>()).ToArray(), g.WorldSize);
        });
        foreach (var r in results)
        {
            Assert.Equal([6f, 60f, -3f], r.Sum);
            Assert.Equal([4.0, 5.0], r.Max);
            Assert.Equal([2L, 2L], r.Broadcast);
            Assert.Equal([0f, 1.5f, 3f], r.Gathered);
            Assert.Equal(3, r.WorldSize);
        }
    }

    [Fact]
    public void ARankThatNeverArrivesFailsTheOthersWithinTheTimeout()
    {
        var port = LoopbackRanks.FreePort();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<DistributedException>(() => ProcessGroup.Init("127.0.0.1", port, 0, 2, TimeSpan.FromSeconds(2), "127.0.0.1"));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 30);
        Assert.Contains($"rank 0 of 2 could not join the group at 127.0.0.1:{port}", e.Message);
        Assert.Contains("waiting for all 2 ranks to join (1 arrived; missing: rank 1)", e.Message);
    }

    [Fact]
    public void ATakenPortIsNamed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var e = Assert.Throws<DistributedException>(() => ProcessGroup.Init("127.0.0.1", port, 0, 2, TimeSpan.FromSeconds(2), "127.0.0.1"));
            Assert.Contains($"rank 0 of 2 could not join the group at 127.0.0.1:{port}", e.Message);
        }
        finally
        {
            listener.Stop();
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroup.Init("127.0.0.1", 29500, 2, 2));
    }

    // A rank that leaves (as a process that dies closes its connections and stops its heartbeat) makes the next
    // collective fail on the others with an error that names it.
    [Fact]
    public void ARankThatStopsIsNamedByTheOthers()
    {
        using var diagnosed = new CountdownEvent(2);
        var results = LoopbackRanks.Run(3, g =>
        {
            using var x = Tensor.FromArray([1f]);
            g.AllReduce(x);
            if (g.Rank == 2)
            {
                g.Dispose();
                return "";
            }
            var e = Assert.Throws<DistributedException>(() => g.AllReduce(x));
            // Stay in the group until both survivors have diagnosed, or each would also see the other leave.
            diagnosed.Signal();
            diagnosed.Wait(TimeSpan.FromSeconds(30));
            return e.Message;
        }, TimeSpan.FromSeconds(20));
        for (var rank = 0; rank < 2; rank++)
            Assert.StartsWith($"all_reduce failed on rank {rank} of 3 (127.0.0.1:", results[rank]);
        // Rank 2 among the stopped ones (a survivor starved of CPU for 2.5 s on a loaded machine may be listed too).
        Assert.All(results.Take(2), m => Assert.True(System.Text.RegularExpressions.Regex.IsMatch(m, @"ranks? (\d+, )*2 stopped \(no heartbeat for 2\.5 s\)"), m));
    }
}
