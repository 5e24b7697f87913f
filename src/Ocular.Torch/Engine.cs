using System.Runtime.InteropServices;
using Ocular.Torch.Interop;

namespace Ocular.Torch;

/// <summary>
/// Process-wide settings and facts of the engine: libtorch's thread count, the global seed,
/// versions, and the BLAS library in use.
/// </summary>
public static class Engine
{
    /// <summary>The environment variable that sets libtorch's intra-op thread count at start-up.</summary>
    public const string ThreadsVariable = "OCULAR_NUM_THREADS";

    /// <summary>Ocular's version.</summary>
    public static string OcularVersion =>
        typeof(Engine).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>libtorch's version (e.g. <c>1.13.1</c>).</summary>
    public static string TorchVersion => Marshal.PtrToStringUTF8(Native.ocl_torch_version()) ?? "";

    /// <summary>OpenCV's version (the shim's image back end).</summary>
    public static string OpenCvVersion => Marshal.PtrToStringUTF8(Native.ocl_opencv_version()) ?? "";

    /// <summary>libtorch's intra-op thread count.</summary>
    public static int NumThreads => Native.ocl_get_num_threads();

    /// <summary>Sets libtorch's intra-op thread count (the default is the processor count, or <see cref="ThreadsVariable"/>).</summary>
    public static void SetNumThreads(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "the thread count must be at least 1");
        TorchException.Check(Native.ocl_set_num_threads(threads));
    }

    /// <summary>Seeds libtorch's global generators (CPU and, when present, CUDA), as <c>torch.manual_seed</c>.</summary>
    public static void ManualSeed(ulong seed) => TorchException.Check(Native.ocl_manual_seed(seed));

    /// <summary>True when the libtorch in use was built with CUDA and a GPU is visible.</summary>
    public static bool CudaIsAvailable => Native.ocl_cuda_is_available() != 0;

    /// <summary>libtorch's description of its parallel back end (<c>torch.__config__.parallel_info()</c>).</summary>
    public static string ParallelInfo => Marshal.PtrToStringUTF8(Native.ocl_parallel_info()) ?? "";

    /// <summary>
    /// The BLAS shared libraries mapped into this process (resolved paths), e.g. OpenBLAS behind
    /// <c>libblas.so.3</c>. Empty when none is loaded yet or the platform does not tell.
    /// </summary>
    public static IReadOnlyList<string> LoadedBlasLibraries()
    {
        Native.ocl_get_num_threads(); // make sure libtorch (and the BLAS it links) is loaded
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return [];
        return File.ReadLines(maps)
            .Select(line => line.IndexOf('/') is var i and >= 0 ? line[i..] : null)
            .Where(path => path is not null && IsBlas(Path.GetFileName(path)))
            .Select(path => path!)
            .Distinct()
            .ToList();
    }

    private static bool IsBlas(string file) =>
        file.Contains("blas", StringComparison.OrdinalIgnoreCase) && !file.Contains("cublas", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The warning about libtorch's BLAS when <c>libblas.so.3</c> is not OpenBLAS (it is printed once, on standard error,
    /// when the engine loads), or null when it is OpenBLAS or libtorch uses no <c>libblas.so.3</c>.
    /// </summary>
    public static string? BlasWarning
    {
        get
        {
            NativeLoader.EnsureLoaded();
            return NativeLoader.BlasWarning;
        }
    }

    /// <summary>The file Ocular's native library (<c>libocular_native.so</c>) was loaded from.</summary>
    public static string NativeLibraryPath
    {
        get
        {
            NativeLoader.EnsureLoaded();
            return NativeLoader.LoadedPath;
        }
    }

    /// <summary>Where <c>libblas.so.3</c> resolves to on this system (following the Debian alternatives).</summary>
    public static string? ResolveSystemBlas()
    {
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib" })
        {
            var path = Path.Combine(dir, "libblas.so.3");
            if (!File.Exists(path)) continue;
            var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true);
            return target?.FullName ?? path;
        }
        return null;
    }

    /// <summary>Sets the thread count from <see cref="ThreadsVariable"/> or the processor count; called once at load.</summary>
    internal static void InitializeThreads()
    {
        var threads = Environment.ProcessorCount;
        var text = Environment.GetEnvironmentVariable(ThreadsVariable);
        if (!string.IsNullOrWhiteSpace(text))
        {
            if (!int.TryParse(text, out threads) || threads < 1)
                throw new ArgumentException($"{ThreadsVariable}='{text}' is not a positive integer");
        }
        TorchException.Check(Native.ocl_set_num_threads(threads));
    }
}
