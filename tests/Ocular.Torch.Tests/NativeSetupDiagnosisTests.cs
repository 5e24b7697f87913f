using Ocular.Torch.Interop;

namespace Ocular.Torch.Tests;

/// <summary>
/// The one message a bad set-up gets (issue 18), built from a loader message and library folders the test makes:
/// libtorch missing, a libtorch or OpenCV of another version (the version found and the version needed), a library
/// present outside the loader's folders, a symbol missing, and the BLAS check. The real loader's text is exercised
/// end to end by tests/Ocular.Packaging.Tests.
/// </summary>
public sealed class NativeSetupDiagnosisTests : IDisposable
{
    private const string Shim = "/opt/tool/libocular_native.so";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // What .NET's NativeLibrary.Load says when a dependency is missing: its own sentence, then dlerror's.
    private static string LoaderMessage(string dlerror) =>
        $"Unable to load shared library '{Shim}' or one of its dependencies. In order to help diagnose loading problems, " +
        $"consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \n{dlerror}";

    private string Library(string name)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, []);
        return path;
    }

    [Fact]
    public void NoLibtorchAtAllNamesTheMissingLibraryTheVersionAndTheAptCommand()
    {
        var message = NativeSetupDiagnosis.LoadFailed(Shim,
            LoaderMessage("libc10.so.1.13: cannot open shared object file: No such file or directory"), [_dir.Path]);
        Assert.StartsWith($"Ocular's native library {Shim} could not be loaded: it needs libtorch 1.13 (libc10.so.1.13), which is not installed.", message);
        Assert.Contains("sudo apt-get install libtorch-dev libopencv-imgcodecs-dev libopencv-imgproc-dev libopenblas0-pthread", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void AnotherLibtorchSaysWhichWasFoundAndWhichIsNeeded()
    {
        var found = Library("libtorch_cpu.so.2.1");
        Library("libtorch_cpu.so.2.1.0");     // the file behind the soname link: one version is reported once
        Library("libtorch_cpu.so");           // the development link carries no version
        Library("libc10.so.2.1");             // another library's versions are not this one's
        var message = NativeSetupDiagnosis.LoadFailed(Shim,
            LoaderMessage("libtorch_cpu.so.1.13: cannot open shared object file: No such file or directory"), ["/nonexistent", _dir.Path]);
        Assert.Contains($"it needs libtorch 1.13 (libtorch_cpu.so.1.13), but this machine has libtorch 2.1 ({found}), another version.", message);
        Assert.Contains("Install libtorch 1.13 beside it (on Debian 12: sudo apt-get install libtorch-dev", message);
        Assert.Contains("\"Building against another libtorch\"", message);
        Assert.DoesNotContain("2.1.0", message);
        Assert.DoesNotContain("libc10", message);
    }

    [Fact]
    public void AnotherOpenCvIsNamedByItsVersion()
    {
        var found = Library("libopencv_imgcodecs.so.410");
        var message = NativeSetupDiagnosis.LoadFailed(Shim,
            LoaderMessage("libopencv_imgcodecs.so.406: cannot open shared object file: No such file or directory"), [_dir.Path]);
        Assert.Contains($"it needs OpenCV 4.6 (libopencv_imgcodecs.so.406), but this machine has OpenCV 4.10 ({found}), another version. Install OpenCV 4.6 beside it", message);
    }

    [Fact]
    public void ALibraryOutsideTheLoadersFoldersSaysWhereItIs()
    {
        var present = Library("libtorch_cpu.so.1.13");
        var message = NativeSetupDiagnosis.LoadFailed(Shim,
            LoaderMessage("libtorch_cpu.so.1.13: cannot open shared object file: No such file or directory"), [_dir.Path]);
        Assert.Contains($"it needs libtorch 1.13 (libtorch_cpu.so.1.13), which is at {present} but not where the dynamic loader looks", message);
        Assert.Contains("LD_LIBRARY_PATH", message);
    }

    [Fact]
    public void AnUnknownLibraryIsNamedWithoutAVersionGuess()
    {
        var message = NativeSetupDiagnosis.LoadFailed(Shim,
            LoaderMessage("libglog.so.1: cannot open shared object file: No such file or directory"), [_dir.Path]);
        Assert.Contains("it needs libglog.so.1, which is not installed. Install it with the other libraries Ocular links", message);
    }

    [Fact]
    public void AnUndefinedSymbolBlamesAnotherLibtorchAndListsTheInstalledOnes()
    {
        var found = Library("libtorch_cpu.so.2.1");
        var message = NativeSetupDiagnosis.LoadFailed(Shim,
            LoaderMessage($"{Shim}: undefined symbol: _ZN2at4_ops3add4callERKNS_6TensorES4_RKN3c106ScalarE"), [_dir.Path]);
        Assert.Contains("it was built against another libtorch or OpenCV than the one it loaded", message);
        Assert.Contains("undefined symbol: _ZN2at4_ops3add4call", message);
        Assert.Contains($"this machine has libtorch 2.1 ({found})", message);
    }

    [Fact]
    public void AnyOtherLoaderErrorKeepsDlerrorsTextAndTheInstallCommand()
    {
        var message = NativeSetupDiagnosis.LoadFailed(Shim, LoaderMessage($"{Shim}: file too short"), [_dir.Path]);
        Assert.Equal($"Ocular's native library {Shim} could not be loaded: {Shim}: file too short. Install the libraries it links " +
                     $"(on Debian 12: {NativeSetupDiagnosis.InstallCommand}).", message);
    }

    [Fact]
    public void AMissingShimNamesTheFoldersOrTheVariable()
    {
        var searched = NativeSetupDiagnosis.NotFound(["/app/libocular_native.so", "/app/runtimes/linux-x64/native/libocular_native.so"], fromEnvironment: false);
        Assert.Contains("it is in none of /app, /app/runtimes/linux-x64/native.", searched);
        Assert.Contains("./test.sh", searched);
        var named = NativeSetupDiagnosis.NotFound(["/nope/libocular_native.so"], fromEnvironment: true);
        Assert.EndsWith("OCULAR_NATIVE_LIBRARY names /nope/libocular_native.so, which does not exist.", named);
    }

    [Fact]
    public void LibraryFoldersStartWithLdLibraryPathAndEndWithTheSystemOnes()
    {
        // Only .NET's copy of the environment changes (the loader has read the C one already); nothing else here reads it.
        var saved = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        try
        {
            Environment.SetEnvironmentVariable("LD_LIBRARY_PATH", "/opt/first::/opt/second/:/opt/first");
            var folders = NativeSetupDiagnosis.LibraryDirectories();
            Assert.Equal(["/opt/first", "/opt/second"], folders.Take(2));
            Assert.Contains("/usr/lib/x86_64-linux-gnu", folders);
            Assert.Contains("/usr/local/lib", folders);
            Assert.Equal(folders.Count, folders.Distinct().Count());
        }
        finally
        {
            Environment.SetEnvironmentVariable("LD_LIBRARY_PATH", saved);
        }
    }

    [Fact]
    public void BlasCheckWarnsWhenLibblasIsNotOpenBlas()
    {
        const string reference = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0";
        const string openBlas = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so";
        // Reference BLAS behind libblas.so.3 even though OpenBLAS is mapped too (another library pulled libopenblas.so.0).
        var warning = BlasCheck.Warning([openBlas, reference]);
        Assert.NotNull(warning);
        Assert.StartsWith($"libtorch's BLAS (libblas.so.3) is {reference}, not OpenBLAS", warning);
        Assert.Contains("sudo apt-get install libopenblas0-pthread", warning);
        Assert.Contains("update-alternatives --config libblas.so.3-x86_64-linux-gnu", warning);
        Assert.Null(BlasCheck.Warning([openBlas, "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"]));
        Assert.Null(BlasCheck.Warning([openBlas]));   // no libblas.so.3 at all: a libtorch built with its own BLAS
        Assert.Null(BlasCheck.Warning([]));
    }
}
