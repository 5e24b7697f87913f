using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

// native/src/distributed.cpp: c10d's TCPStore and Gloo process group.
internal static partial class Native
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr ocl_dist_init(string host, int port, int rank, int size, long timeoutMs, string networkInterface);
    [LibraryImport(Library)] internal static partial void ocl_dist_free(IntPtr group);
    [LibraryImport(Library)] internal static partial int ocl_dist_all_reduce(ProcessGroupHandle group, TensorHandle tensor, int op);
    [LibraryImport(Library)] internal static partial int ocl_dist_broadcast(ProcessGroupHandle group, TensorHandle tensor, int root);
    [LibraryImport(Library)] internal static partial int ocl_dist_all_gather(ProcessGroupHandle group, TensorHandle tensor, IntPtr[] output, int capacity);
    [LibraryImport(Library)] internal static partial int ocl_dist_barrier(ProcessGroupHandle group);
    [LibraryImport(Library)] internal static partial IntPtr ocl_dist_diagnose(ProcessGroupHandle group);
}

/// <summary>Owns one process group of the shim.</summary>
internal sealed class ProcessGroupHandle(IntPtr handle) : OwnedHandle(handle)
{
    protected override void Free(IntPtr pointer) => Native.ocl_dist_free(pointer);
}
