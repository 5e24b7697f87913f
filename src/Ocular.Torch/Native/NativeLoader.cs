using System.Reflection;
using System.Runtime.InteropServices;

namespace Ocular.Torch.Interop;

/// <summary>
/// Finds and loads <c>libocular_native.so</c> (at <c>OCULAR_NATIVE_LIBRARY</c> when set; else beside the assemblies, in
/// the host's native search folders, or under <c>runtimes/linux-ARCH/native/</c>, where NuGet puts Ocular.Torch's copy),
/// then sets libtorch's intra-op thread count and checks its BLAS. A missing library, a missing or other-version
/// libtorch or OpenCV fails once, with one message (<see cref="NativeSetupDiagnosis"/>); a BLAS other than OpenBLAS
/// is warned about once, on standard error.
/// </summary>
internal static partial class NativeLoader
{
    private const string FileName = "libocular_native.so";

    private static readonly object Gate = new();
    private static IntPtr _library;
    private static string? _failure;

    /// <summary>The loaded library (valid after <see cref="EnsureLoaded"/>).</summary>
    internal static IntPtr Library => _library;

    /// <summary>The path the library was loaded from (valid after <see cref="EnsureLoaded"/>).</summary>
    internal static string LoadedPath { get; private set; } = "";

    /// <summary>The warning about libtorch's BLAS, or null when it is OpenBLAS (valid after <see cref="EnsureLoaded"/>).</summary>
    internal static string? BlasWarning { get; private set; }

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
            var env = Environment.GetEnvironmentVariable("OCULAR_NATIVE_LIBRARY");
            var fromEnvironment = !string.IsNullOrEmpty(env);
            var candidates = fromEnvironment ? [env!] : Candidates(); // an explicit location is the only one tried
            var found = candidates.FirstOrDefault(File.Exists);
            if (found is null)
            {
                _failure = NativeSetupDiagnosis.NotFound(candidates, fromEnvironment);
                throw new NativeLibraryMissingException(_failure);
            }
            PreferPassiveOpenMpWaiting();
            try
            {
                _library = NativeLibrary.Load(found);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                // The file is there: what failed is a library it links (or the file itself); say which, and what to do.
                _failure = NativeSetupDiagnosis.LoadFailed(found, e.Message, NativeSetupDiagnosis.LibraryDirectories());
                throw new NativeLibraryMissingException(_failure);
            }
            LoadedPath = found;
        }
        Engine.InitializeThreads();
        BlasWarning = BlasCheck.Warning(Engine.LoadedBlasLibraries());
        if (BlasWarning is not null) Console.Error.WriteLine($"ocular: warning: {BlasWarning}");
    }

    /// <summary>
    /// Where the shim may be, in order: beside the application and this assembly (a build of the repository, the
    /// ocular tool, a RID-specific publish), the folders the host resolved from deps.json (a NuGet consumer's
    /// runtimes/linux-ARCH/native/), and that runtimes folder under both, for hosts that do not report their folders.
    /// </summary>
    private static List<string> Candidates()
    {
        var roots = new List<string> { AppContext.BaseDirectory };
        var here = Path.GetDirectoryName(typeof(NativeLoader).Assembly.Location);
        if (!string.IsNullOrEmpty(here)) roots.Add(here);
        var hostFolders = (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var rid = $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
        return roots.Concat(hostFolders)
            .Concat(roots.Select(r => Path.Combine(r, "runtimes", rid, "native")))
            .Select(dir => Path.GetFullPath(Path.Combine(dir, FileName)))
            .Distinct()
            .ToList();
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

/// <summary>
/// Thrown when the native shim or the libraries it links (libtorch, OpenCV) cannot be loaded: the message names the
/// missing library, the version needed beside the versions found, and the command that installs it.
/// </summary>
public sealed class NativeLibraryMissingException : DllNotFoundException
{
    /// <summary>Creates the exception with a message that says what is missing and how to install it.</summary>
    public NativeLibraryMissingException(string message) : base(message) { }
}
