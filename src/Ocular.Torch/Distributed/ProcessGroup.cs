using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch.Distributed;

/// <summary>How <see cref="ProcessGroup.AllReduce"/> combines the ranks' tensors (Gloo's: torch.distributed.ReduceOp).</summary>
public enum ReduceOp
{
    /// <summary>Element-wise sum.</summary>
    Sum = 0,

    /// <summary>Element-wise product.</summary>
    Product = 2,

    /// <summary>Element-wise minimum.</summary>
    Min = 3,

    /// <summary>Element-wise maximum.</summary>
    Max = 4,
}

/// <summary>
/// A group of processes (ranks) that exchange tensors through libtorch's c10d — <c>torch.distributed</c>'s engine: a
/// <c>TCPStore</c> rendezvous served by rank 0 and a Gloo process group, set up as
/// <c>torch.distributed.init_process_group("gloo")</c> sets up its default group, so that Ocular and PyTorch ranks can
/// be members of one group. Collectives are synchronous and bounded by the group's timeout; every rank must call them in
/// the same order with tensors of the same shape and type. The names mirror <c>torch.distributed</c>'s.
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private readonly ProcessGroupHandle _handle;

    private ProcessGroup(ProcessGroupHandle handle, int rank, int worldSize, string address, TimeSpan timeout)
    {
        _handle = handle;
        Rank = rank;
        WorldSize = worldSize;
        Address = address;
        Timeout = timeout;
    }

    /// <summary>This process's rank, 0 to <see cref="WorldSize"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>How many ranks the group has.</summary>
    public int WorldSize { get; }

    /// <summary>The rendezvous address, <c>host:port</c>.</summary>
    public string Address { get; }

    /// <summary>The bound on the rendezvous and on every collective.</summary>
    public TimeSpan Timeout { get; }

    internal ProcessGroupHandle Handle => _handle.IsClosed ? throw new ObjectDisposedException(nameof(ProcessGroup)) : _handle;

    /// <summary>
    /// Joins a group of <paramref name="worldSize"/> ranks whose rank 0 serves the store at
    /// <paramref name="masterAddress"/>:<paramref name="masterPort"/> (as <c>MASTER_ADDR</c>/<c>MASTER_PORT</c>); returns when
    /// every rank has joined.
    /// </summary>
    /// <param name="masterAddress">Rank 0's host name or address.</param>
    /// <param name="masterPort">The store's port.</param>
    /// <param name="rank">This process's rank.</param>
    /// <param name="worldSize">How many ranks.</param>
    /// <param name="timeout">Bounds the rendezvous and every collective (default 30 minutes, as PyTorch's).</param>
    /// <param name="networkInterface">The address Gloo binds to (default: this machine's host name, as PyTorch; e.g. 127.0.0.1).</param>
    /// <exception cref="DistributedException">A rank did not join within the timeout, the port is taken, or the master cannot be reached; the message says which.</exception>
    public static ProcessGroup Init(string masterAddress, int masterPort, int rank, int worldSize, TimeSpan? timeout = null, string? networkInterface = null)
    {
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "a group needs at least one rank");
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be 0 to {worldSize - 1}");
        if (masterPort is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(masterPort), masterPort, "a TCP port is 1 to 65535");
        var limit = timeout ?? TimeSpan.FromMinutes(30);
        var address = $"{masterAddress}:{masterPort}";
        var p = Native.ocl_dist_init(masterAddress, masterPort, rank, worldSize, (long)limit.TotalMilliseconds, networkInterface ?? "");
        if (p == IntPtr.Zero)
            throw new DistributedException($"rank {rank} of {worldSize} could not join the group at {address}: {TorchException.LastError().Split('\n')[0]}");
        return new ProcessGroup(new ProcessGroupHandle(p), rank, worldSize, address, limit);
    }

    /// <summary>
    /// Joins the group the environment describes, as <c>torch.distributed.init_process_group("gloo", init_method="env://")</c>
    /// and launchers such as <c>torchrun</c> and Slurm scripts set it: <c>RANK</c>, <c>WORLD_SIZE</c>, <c>MASTER_ADDR</c>,
    /// <c>MASTER_PORT</c>; <c>GLOO_SOCKET_IFNAME</c>'s role is played by <c>OCULAR_GLOO_ADDRESS</c> (an address to bind to).
    /// </summary>
    /// <exception cref="DistributedException">A variable is missing or malformed (the message names it), or joining fails.</exception>
    public static ProcessGroup InitFromEnvironment(TimeSpan? timeout = null)
    {
        static string Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new DistributedException($"{name} is not set: a distributed run needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (as torchrun sets them)");
        static int Number(string name)
        {
            var text = Variable(name);
            return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new DistributedException($"{name}={text} is not a non-negative integer");
        }
        var rank = Number("RANK");
        var size = Number("WORLD_SIZE");
        if (size < 1 || rank >= size) throw new DistributedException($"RANK={rank} is outside WORLD_SIZE={size}");
        return Init(Variable("MASTER_ADDR"), Number("MASTER_PORT"), rank, size, timeout, Environment.GetEnvironmentVariable("OCULAR_GLOO_ADDRESS"));
    }

    /// <summary>Reduces <paramref name="tensor"/> across the ranks in place: afterwards every rank holds the result.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum) => Check(Native.ocl_dist_all_reduce(Handle, tensor.Handle, (int)op), "all_reduce");

    /// <summary>
    /// The sum of every rank's <paramref name="tensor"/> as a new tensor that autograd differentiates through
    /// (<c>torch.distributed.nn.functional.all_reduce</c>): the backward pass sums the ranks' gradients the same way, so a
    /// loss on one rank reaches every rank's input. Every rank must run the forward and the backward pass alike.
    /// </summary>
    public Tensor DifferentiableAllReduce(Tensor tensor)
    {
        var result = Native.ocl_dist_all_reduce_autograd(Handle, tensor.Handle);
        if (result == IntPtr.Zero) Check(-1, "all_reduce (differentiable)");
        return Tensor.Wrap(result);
    }

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="tensor"/> into every rank's, in place.</summary>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"root must be 0 to {WorldSize - 1}");
        Check(Native.ocl_dist_broadcast(Handle, tensor.Handle, root), "broadcast");
    }

    /// <summary>Every rank's <paramref name="tensor"/>, in rank order.</summary>
    public Tensor[] AllGather(Tensor tensor)
    {
        var output = new IntPtr[WorldSize];
        var n = Native.ocl_dist_all_gather(Handle, tensor.Handle, output, output.Length);
        Check(n, "all_gather");
        return [.. output.Take(n).Select(Tensor.Wrap)];
    }

    /// <summary>Waits until every rank has called it.</summary>
    public void Barrier() => Check(Native.ocl_dist_barrier(Handle), "barrier");

    private void Check(int rc, string what)
    {
        if (rc < 0) throw Failure(what, TorchException.LastError());
    }

    /// <summary>
    /// The error for a failed collective: what failed where, which ranks stopped when that is why (every rank bumps a
    /// heartbeat counter in the store twice a second; a rank whose counter stands still for 2.5 s is gone, and rank 0
    /// gone takes the store with it), and Gloo's own message.
    /// </summary>
    internal DistributedException Failure(string what, string gloo)
    {
        var cause = Marshal.PtrToStringUTF8(Native.ocl_dist_diagnose(Handle)) is { Length: > 0 } stopped ? stopped + "; " : "";
        return new DistributedException($"{what} failed on rank {Rank} of {WorldSize} ({Address}): {cause}{gloo.Split('\n')[0]}");
    }

    /// <summary>Leaves the group (closes its connections; rank 0 stops serving the store).</summary>
    public void Dispose() => _handle.Dispose();
}

/// <summary>A failure of the process group: a rank that did not join or died, a timeout, an address in use.</summary>
public sealed class DistributedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedException(string message) : base(message) { }
}
