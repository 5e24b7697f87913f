using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Ocular.Torch.Interop;

/// <summary>
/// Turns a native shim that cannot be loaded into one sentence a user can act on: the library that is missing, the
/// version the shim needs beside the versions this machine has, and the command that installs it (issue 18: a tool
/// installed on a machine without libtorch, or with a libtorch of another version, must say so plainly).
/// </summary>
internal static partial class NativeSetupDiagnosis
{
    /// <summary>The Debian 12 packages that hold every library the shim links (scripts/install-deps.sh installs them too).</summary>
    internal const string InstallCommand =
        "sudo apt-get install libtorch-dev libopencv-imgcodecs-dev libopencv-imgproc-dev libopenblas0-pthread";

    private const string Shim = "Ocular's native library (libocular_native.so, which links libtorch and OpenCV)";

    // libtorch's shared libraries: one version of them all must be present (their sonames carry it, e.g. libc10.so.1.13).
    private static readonly string[] TorchLibraries =
        ["libtorch", "libtorch_cpu", "libtorch_cuda", "libc10", "libc10_cuda", "libtorch_global_deps"];

    /// <summary>The message when no candidate file exists (<paramref name="fromEnvironment"/>: the path came from OCULAR_NATIVE_LIBRARY).</summary>
    internal static string NotFound(IReadOnlyList<string> candidates, bool fromEnvironment) =>
        fromEnvironment
            ? $"{Shim} could not be loaded: OCULAR_NATIVE_LIBRARY names {candidates[0]}, which does not exist."
            : $"{Shim} could not be loaded: it is in none of {string.Join(", ", candidates.Select(Path.GetDirectoryName).Distinct())}. " +
              "In a clone of the repository, run the README set-up command (./test.sh or ./demo.sh at the repository root): " +
              "it installs the Debian packages Ocular needs and builds the library. The packages carry it " +
              "(Ocular.Torch in runtimes/linux-x64/native/, the ocular tool beside its assemblies).";

    /// <summary>
    /// The message when <paramref name="shim"/> exists but the dynamic loader refused it; <paramref name="loaderMessage"/>
    /// is the loader's text (it ends with dlerror's), <paramref name="libraryDirectories"/> where to look for the versions
    /// this machine has (<see cref="LibraryDirectories"/>).
    /// </summary>
    internal static string LoadFailed(string shim, string loaderMessage, IReadOnlyList<string> libraryDirectories)
    {
        var prefix = $"Ocular's native library {shim} could not be loaded: ";
        var missing = MissingLibrary().Match(loaderMessage);
        if (missing.Success) return prefix + Missing(missing.Groups["name"].Value, libraryDirectories);
        var dlerror = LastLine(loaderMessage);
        if (dlerror.Contains("undefined symbol", StringComparison.Ordinal))
        {
            var torch = Installed("libtorch_cpu", libraryDirectories);
            return prefix + $"it was built against another libtorch or OpenCV than the one it loaded ({dlerror}; this machine has " +
                   (torch.Count == 0 ? "no libtorch_cpu" : string.Join(", ", torch.Select(Describe))) +
                   $"). Install the libraries it was built against (on Debian 12: {InstallCommand}), or build Ocular from its " +
                   "source on this machine (README, \"Building against another libtorch\").";
        }
        return prefix + $"{dlerror}. Install the libraries it links (on Debian 12: {InstallCommand}).";
    }

    private static string Missing(string name, IReadOnlyList<string> libraryDirectories)
    {
        var (stem, version) = Split(name);
        var friendly = Friendly(stem, version);
        var needed = friendly.Length > 0 ? $"{friendly} ({name})" : name;
        var exact = libraryDirectories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        if (exact is not null)
            return $"it needs {needed}, which is at {exact} but not where the dynamic loader looks " +
                   "(add its folder to LD_LIBRARY_PATH or /etc/ld.so.conf.d, then run sudo ldconfig).";
        var others = Installed(stem, libraryDirectories)
            .Where(f => version is null || Split(f.Name).Version?.Split('.').Length == version.Split('.').Length)
            .ToList();
        if (others.Count == 0)
            return $"it needs {needed}, which is not installed. Install it with the other libraries Ocular links " +
                   $"(on Debian 12: {InstallCommand}).";
        return $"it needs {needed}, but this machine has {string.Join(", ", others.Select(Describe))}, another version. " +
               $"Install {(friendly.Length > 0 ? friendly : name)} beside it (on Debian 12: {InstallCommand}), or build Ocular " +
               "from its source on this machine, against the installed one (README, \"Building against another libtorch\").";
    }

    /// <summary>Files named <paramref name="stem"/>.so.VERSION in <paramref name="libraryDirectories"/>, by name (one path each).</summary>
    private static List<(string Name, string Path)> Installed(string stem, IReadOnlyList<string> libraryDirectories) =>
        libraryDirectories
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, stem + ".so.*"))
            .Select(p => (Name: Path.GetFileName(p), Path: p))
            .Where(f => Split(f.Name).Stem == stem && Split(f.Name).Version is not null)
            .DistinctBy(f => f.Name)
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>"libtorch 2.1 (/usr/lib/…/libtorch_cpu.so.2.1)", or the path alone for a library without a known name.</summary>
    private static string Describe((string Name, string Path) file)
    {
        var (stem, version) = Split(file.Name);
        return Friendly(stem, version) is { Length: > 0 } friendly ? $"{friendly} ({file.Path})" : file.Path;
    }

    /// <summary>"libtorch 1.13" for libtorch's libraries, "OpenCV 4.6" for OpenCV's (soname 406), else empty.</summary>
    private static string Friendly(string stem, string? version)
    {
        if (version is null) return "";
        if (TorchLibraries.Contains(stem)) return $"libtorch {version}";
        if (stem.StartsWith("libopencv_", StringComparison.Ordinal) && int.TryParse(version, out var cv) && cv >= 100)
            return $"OpenCV {cv / 100}.{cv % 100}";
        return "";
    }

    /// <summary>"libtorch_cpu.so.1.13" → ("libtorch_cpu", "1.13"); "libfoo.so" → ("libfoo", null).</summary>
    private static (string Stem, string? Version) Split(string fileName)
    {
        var m = SharedLibraryName().Match(fileName);
        return m.Success ? (m.Groups["stem"].Value, m.Groups["version"].Success ? m.Groups["version"].Value : null) : (fileName, null);
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()?.TrimEnd('.') ?? "";

    /// <summary>
    /// Where the dynamic loader finds libraries: LD_LIBRARY_PATH, the folders of /etc/ld.so.conf.d, then the
    /// multiarch and plain system folders (the order of ld.so(8), without the cache).
    /// </summary>
    internal static IReadOnlyList<string> LibraryDirectories()
    {
        var dirs = new List<string>();
        dirs.AddRange((Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        const string conf = "/etc/ld.so.conf.d";
        if (Directory.Exists(conf))
            foreach (var file in Directory.EnumerateFiles(conf, "*.conf").Order(StringComparer.Ordinal))
                dirs.AddRange(File.ReadLines(file).Select(l => l.Trim()).Where(l => l.StartsWith('/')));
        var triplet = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        dirs.AddRange([$"/lib/{triplet}", $"/usr/lib/{triplet}", "/lib", "/usr/lib", "/usr/local/lib"]);
        return dirs.Select(d => d.TrimEnd('/')).Where(d => d.Length > 0).Distinct().ToList();
    }

    [GeneratedRegex(@"(?<name>[^\s:/'""]+\.so[^\s:'""]*): cannot open shared object file")]
    private static partial Regex MissingLibrary();

    [GeneratedRegex(@"^(?<stem>lib[^/]+?)\.so(\.(?<version>\d+(\.\d+)*))?$")]
    private static partial Regex SharedLibraryName();
}
