using System.Reflection;
using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

/// <summary>
/// Finds and loads <c>libocular_native.so</c> (at <c>OCULAR_NATIVE_LIBRARY</c> when set, else beside the assemblies),
/// then sets libtorch's intra-op thread count. A missing library or libtorch fails once, clearly.
/// </summary>
internal static partial class NativeLoader
{
    internal const string SetupHint =
        "Run the README set-up command (./test.sh or ./demo.sh at the repository root): it installs libtorch-dev, " +
        "libopencv-imgcodecs-dev, libopencv-imgproc-dev, libopenblas0-pthread, cmake and g++ and builds the shim.";

    private static readonly object Gate = new();
    private static IntPtr _library;
    private static string? _failure;

    /// <summary>The loaded library (valid after <see cref="EnsureLoaded"/>).</summary>
    internal static IntPtr Library => _library;

    /// <summary>
    /// Makes the P/Invoke declarations of <paramref name="assembly"/> resolve to the shim; each
    /// assembly's <c>Native</c> class calls this from its static constructor, which runs before its first call.
    /// Idempotent: several classes of one assembly may register it (.NET accepts one resolver per assembly).
    /// </summary>
    internal static void RegisterFor(Assembly assembly)
    {
        // .NET accepts one resolver per assembly; several interop classes of one assembly may ask.
        lock (Registered)
        {
            if (Registered.Add(assembly)) NativeLibrary.SetDllImportResolver(assembly, Resolve);
        }
    }

    private static readonly HashSet<Assembly> Registered = [];

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Native.Library) return IntPtr.Zero;
        EnsureLoaded();
        return _library;
    }

    internal static void EnsureLoaded()
    {
        if (_library != IntPtr.Zero) return;
        lock (Gate)
        {
            if (_library != IntPtr.Zero) return;
            if (_failure is not null) throw new NativeLibraryMissingException(_failure);
            var candidates = new List<string>();
            var env = Environment.GetEnvironmentVariable("OCULAR_NATIVE_LIBRARY");
            if (!string.IsNullOrEmpty(env))
            {
                candidates.Add(env); // an explicit location is the only one tried
            }
            else
            {
                candidates.Add(Path.Combine(AppContext.BaseDirectory, "libocular_native.so"));
                var here = Path.GetDirectoryName(typeof(NativeLoader).Assembly.Location);
                if (!string.IsNullOrEmpty(here)) candidates.Add(Path.Combine(here, "libocular_native.so"));
            }

            PreferPassiveOpenMpWaiting();
            var errors = new List<string>();
            foreach (var candidate in candidates.Distinct())
            {
                if (!File.Exists(candidate)) { errors.Add($"{candidate}: not found"); continue; }
                try
                {
                    _library = NativeLibrary.Load(candidate);
                    break;
                }
                catch (DllNotFoundException e) { errors.Add($"{candidate}: {e.Message}"); }
                catch (BadImageFormatException e) { errors.Add($"{candidate}: {e.Message}"); }
            }
            if (_library == IntPtr.Zero)
            {
                _failure = "Ocular's native library (libocular_native.so, which links libtorch and OpenCV) could not be loaded: " +
                           string.Join("; ", errors) + ". " + SetupHint;
                throw new NativeLibraryMissingException(_failure);
            }
        }
        Engine.InitializeThreads();
    }
}

internal static partial class NativeLoader
{
    /// <summary>
    /// libgomp reads OMP_WAIT_POLICY once, when libtorch loads it. Its default lets idle worker threads
    /// spin, which on a small or shared machine (2 cores, parallel tests, data-loader threads) steals
    /// the CPU from the threads doing work — small operations were measured 40× slower. Ocular asks for
    /// passive waiting unless the user set the variable. .NET's Environment.SetEnvironmentVariable does
    /// not reach the C environment, so libc's setenv is called directly, before the library loads.
    /// </summary>
    private static void PreferPassiveOpenMpWaiting()
    {
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null || !OperatingSystem.IsLinux()) return;
        setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}

/// <summary>Thrown when the native shim or the libraries it links (libtorch, OpenCV) cannot be loaded.</summary>
public sealed class NativeLibraryMissingException : DllNotFoundException
{
    /// <summary>Creates the exception with a message that names the set-up command.</summary>
    public NativeLibraryMissingException(string message) : base(message) { }
}
