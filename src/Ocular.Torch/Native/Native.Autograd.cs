using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

internal static partial class Native
{
    [LibraryImport(Library)] internal static partial int ocl_backward(TensorHandle t, TensorHandle gradient, int retainGraph, int createGraph);
    [LibraryImport(Library)] internal static partial IntPtr ocl_grad(TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_set_grad(TensorHandle t, TensorHandle grad);
    [LibraryImport(Library)] internal static partial int ocl_retain_grad(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr ocl_detach(TensorHandle t);
    [LibraryImport(Library)] internal static partial int ocl_detach_(TensorHandle t);
    [LibraryImport(Library)] internal static unsafe partial int ocl_autograd_grad(IntPtr* outputs, int nOut, IntPtr* inputs, int nIn, IntPtr* gradOutputs, int retainGraph, int createGraph, int allowUnused, IntPtr* result);
    [LibraryImport(Library)] internal static partial int ocl_is_grad_enabled();
    [LibraryImport(Library)] internal static partial void ocl_set_grad_enabled(int enabled);
    [LibraryImport(Library)] internal static partial IntPtr ocl_inference_mode_enter(int enabled);
    [LibraryImport(Library)] internal static partial void ocl_inference_mode_exit(IntPtr guard);
    [LibraryImport(Library)] internal static partial int ocl_is_inference_mode_enabled();
    [LibraryImport(Library)] internal static partial int ocl_is_inference(TensorHandle t);
}
