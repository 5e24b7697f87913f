using System.Runtime.InteropServices;
using Ocular.Torch;
using Ocular.Torch.Interop;

namespace Ocular.Vision.Interop;

/// <summary>
/// The calling thread's libtorch intra-op thread count (native/src/threads.cpp). Data-loader workers use one
/// intra-op thread each, as PyTorch's worker processes do (<c>torch.set_num_threads(1)</c>): several workers
/// that each start OpenMP teams for small tensors would oversubscribe the cores.
/// </summary>
internal static partial class NativeThreads
{
    private const string Library = "ocular_native";

    static NativeThreads() => NativeLoader.RegisterFor(typeof(NativeThreads).Assembly);

    [LibraryImport(Library)] private static partial int ocl_set_thread_num_threads(int n);

    [LibraryImport(Library)] private static partial int ocl_get_thread_num_threads();

    /// <summary>Sets the calling thread's intra-op thread count; false when libtorch's backend has no per-thread setting.</summary>
    public static bool SetForCurrentThread(int threads) => TorchException.Check(ocl_set_thread_num_threads(threads)) == 0;

    /// <summary>The intra-op thread count libtorch uses on the calling thread.</summary>
    public static int CurrentThread => ocl_get_thread_num_threads();

    /// <summary>Runs the calling thread with one intra-op thread until the result is disposed, then restores its count.</summary>
    public static IDisposable SingleThreaded()
    {
        var previous = CurrentThread;
        return previous > 1 && SetForCurrentThread(1) ? new Restore(previous) : NoChange;
    }

    private static readonly IDisposable NoChange = new Restore(0);

    private sealed class Restore(int threads) : IDisposable
    {
        public void Dispose()
        {
            if (threads > 0) SetForCurrentThread(threads);
        }
    }
}
