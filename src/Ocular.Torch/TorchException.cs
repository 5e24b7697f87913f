using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch;

/// <summary>
/// An error raised inside libtorch (or OpenCV) during a native call. The message is libtorch's own
/// text, e.g. a shape mismatch in <c>conv2d</c>.
/// </summary>
public class TorchException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public TorchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the operation it came from.</summary>
    public TorchException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Reads the shim's thread-local last error.</summary>
    internal static string LastError() =>
        LastErrorOrNull() ?? "libtorch reported an error without a message";

    /// <summary>The shim's last error, or null when it is empty.</summary>
    internal static string? LastErrorOrNull()
    {
        var p = Native.ocl_last_error();
        var text = p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
        return string.IsNullOrEmpty(text) ? null : text;
    }

    internal static TorchException FromLastError() => new(LastError());

    /// <summary>Throws the last native error when <paramref name="rc"/> signals failure (negative).</summary>
    internal static int Check(int rc)
    {
        if (rc < 0) throw FromLastError();
        return rc;
    }
}
