using System.Net;
using System.Net.Sockets;
using Ocular.Torch.Distributed;

namespace Ocular.TestSupport;

/// <summary>
/// Runs a test body on several ranks of one c10d group, each on its own thread with its own <see cref="ProcessGroup"/> over
/// loopback (the protocol is the one between processes), and returns what each rank returned, in rank order.
/// </summary>
internal static class LoopbackRanks
{
    public static T[] Run<T>(int size, Func<ProcessGroup, T> body, TimeSpan? timeout = null)
    {
        var port = FreePort();
        var tasks = Enumerable.Range(0, size).Select(rank => Task.Factory.StartNew(() =>
        {
            using var group = ProcessGroup.Init("127.0.0.1", port, rank, size, timeout ?? TimeSpan.FromSeconds(60), "127.0.0.1");
            return body(group);
        }, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(tasks);
        return [.. tasks.Select(t => t.Result)];
    }

    /// <summary>A TCP port on loopback that nothing listens on (asked of the system, then released).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
