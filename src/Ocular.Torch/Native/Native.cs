using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

/// <summary>P/Invoke declarations of the C shim (native/src). One partial file per shim file.</summary>
internal static partial class Native
{
    internal const string Library = "ocular_native";

    // The resolver loads the library at the first call and sets libtorch's thread count.
    static Native() => NativeLoader.RegisterFor(typeof(Native).Assembly);
}

/// <summary>A scalar as the shim takes it (mirrors <c>ocl::Scalar</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeScalar
{
    public double D;
    public long I;
    public int Kind;
}
