using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

/// <summary>Owns one <c>at::Tensor*</c> of the shim; releasing it frees the native reference.</summary>
internal sealed class TensorHandle : SafeHandle
{
    /// <summary>The absent optional tensor (a null pointer that is never released).</summary>
    internal static readonly TensorHandle Null = new(IntPtr.Zero, ownsHandle: false);

    public TensorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal TensorHandle(IntPtr handle, bool ownsHandle = true) : base(IntPtr.Zero, ownsHandle) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Native.ocl_free(handle);
        return true;
    }
}

/// <summary>Owns one <c>at::Generator*</c> of the shim.</summary>
internal sealed class GeneratorHandle : SafeHandle
{
    internal static readonly GeneratorHandle Null = new(IntPtr.Zero, ownsHandle: false);

    public GeneratorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal GeneratorHandle(IntPtr handle, bool ownsHandle = true) : base(IntPtr.Zero, ownsHandle) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Native.ocl_generator_free(handle);
        return true;
    }
}

/// <summary>A native object the shim allocated for one owner (a model, a graph cut, a process group), freed by its own free function.</summary>
internal abstract class OwnedHandle : SafeHandle
{
    protected OwnedHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The shim's free function for this kind of object.</summary>
    protected abstract void Free(IntPtr pointer);

    protected override bool ReleaseHandle()
    {
        Free(handle);
        return true;
    }
}
