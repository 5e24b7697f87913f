using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

internal static partial class Native
{
    [LibraryImport(Library)] internal static partial IntPtr ocl_opencv_version();
}
