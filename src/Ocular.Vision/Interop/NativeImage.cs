using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Vision.Interop;

/// <summary>P/Invoke declarations of the shim's OpenCV entry points (native/src/image.cpp).</summary>
internal static partial class NativeImage
{
    private const string Library = "ocular_native";

    // Resolves "ocular_native" for this assembly the way Ocular.Torch does (and sets libtorch's threads).
    static NativeImage() => NativeLoader.RegisterFor(typeof(NativeImage).Assembly);

    /// <summary>Decodes encoded bytes into uint8 [3, H, W] RGB, or [1, H, W] grey when <paramref name="grayscale"/> is 1.</summary>
    [LibraryImport(Library)] internal static unsafe partial IntPtr ocl_image_decode(byte* data, long length, int grayscale);

    /// <summary>Encodes uint8 [C, H, W] as format 0 = PNG (param: compression) or 1 = JPEG (param: quality); returns a 1-D uint8 tensor of bytes.</summary>
    [LibraryImport(Library)] internal static partial IntPtr ocl_image_encode(TensorHandle image, int format, int param);

    /// <summary>cv::resize of a uint8/float32 [C, H, W] image; interpolation is OpenCV's flag.</summary>
    [LibraryImport(Library)] internal static partial IntPtr ocl_image_resize(TensorHandle image, long height, long width, int interpolation);

    /// <summary>cv::applyColorMap of uint8 [H, W] values; returns uint8 [3, H, W] RGB.</summary>
    [LibraryImport(Library)] internal static partial IntPtr ocl_image_apply_color_map(TensorHandle values, int colormap);
}
