using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Vision.Interop;

/// <summary>P/Invoke declarations of the shim's drawing entry points (native/src/draw.cpp).</summary>
internal static partial class NativeDraw
{
    private const string Library = "ocular_native";

    // The resolver loads the shim at the first call, as for Ocular.Torch's Native class.
    static NativeDraw() => NativeLoader.RegisterFor(typeof(NativeDraw).Assembly);

    [LibraryImport(Library)]
    internal static unsafe partial int ocl_draw_fill_poly(TensorHandle image, int* xy, int nPoints, int shift, double* color, int nColor, int antialias);

    [LibraryImport(Library)]
    internal static unsafe partial int ocl_draw_circle(TensorHandle image, int cx, int cy, int radius, int thickness, int shift, double* color, int nColor, int antialias);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int ocl_draw_text(TensorHandle image, string text, int x, int y, int font, double scale, int thickness, double* color, int nColor, int antialias);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int ocl_draw_text_size(string text, int font, double scale, int thickness, int* size);
}
