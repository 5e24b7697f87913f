using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

// native/src/autocast.cpp: CPU autocast and the CPU capability.
internal static partial class Native
{
    [LibraryImport(Library)] internal static partial void ocl_autocast_cpu_state(out int enabled, out int dtype);
    [LibraryImport(Library)] internal static partial int ocl_autocast_cpu_set(int enabled, int dtype);
    [LibraryImport(Library)] internal static partial int ocl_autocast_nesting(int delta);
    [LibraryImport(Library)] internal static partial IntPtr ocl_cpu_capability();
}
