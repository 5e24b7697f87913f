using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

// native/src/reducer.cpp: DistributedDataParallel's c10d::Reducer and the differentiable all-reduce.
internal static partial class Native
{
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_dist_reducer_new(ProcessGroupHandle group, IntPtr* parameters, int n, long bucketBytes, int findUnused);
    [LibraryImport(Library)] internal static partial void ocl_dist_reducer_free(IntPtr reducer);
    [LibraryImport(Library)] internal static partial int ocl_dist_reducer_prepare(ReducerHandle reducer, TensorHandle output);
    [LibraryImport(Library)] internal static partial IntPtr ocl_dist_all_reduce_autograd(ProcessGroupHandle group, TensorHandle x);
}

/// <summary>Owns one c10d reducer of the shim.</summary>
internal sealed class ReducerHandle(IntPtr handle) : OwnedHandle(handle)
{
    protected override void Free(IntPtr pointer) => Native.ocl_dist_reducer_free(pointer);
}
