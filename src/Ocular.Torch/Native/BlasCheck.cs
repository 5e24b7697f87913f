namespace Ocular.Torch.Interop;

/// <summary>
/// Whether libtorch's BLAS is OpenBLAS. Debian's libtorch links the system <c>libblas.so.3</c> (DESIGN.md, "The
/// engine"): without libopenblas0-pthread, or with another alternative selected, that is the reference BLAS and linear
/// layers run several times slower, silently. The shim's load checks which file the loader mapped (issue 18).
/// </summary>
internal static class BlasCheck
{
    /// <summary>
    /// The warning for the BLAS files mapped into the process (<paramref name="mappedBlasFiles"/>, resolved paths), or
    /// null when <c>libblas.so.3</c> is OpenBLAS's or no <c>libblas.so.3</c> is loaded (a libtorch built with MKL).
    /// </summary>
    internal static string? Warning(IEnumerable<string> mappedBlasFiles)
    {
        var libblas = mappedBlasFiles.Where(f => Path.GetFileName(f).StartsWith("libblas.so", StringComparison.Ordinal)).ToList();
        if (libblas.Count == 0 || libblas.Any(f => f.Contains("openblas", StringComparison.OrdinalIgnoreCase))) return null;
        return $"libtorch's BLAS (libblas.so.3) is {libblas[0]}, not OpenBLAS: linear layers and matrix products run several times " +
               "slower. Install OpenBLAS: sudo apt-get install libopenblas0-pthread (when it is installed, select it: " +
               "sudo update-alternatives --config libblas.so.3-x86_64-linux-gnu).";
    }
}
