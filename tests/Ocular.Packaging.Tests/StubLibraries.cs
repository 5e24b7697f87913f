namespace Ocular.Packaging.Tests;

/// <summary>
/// Tiny shared libraries made with g++ (which scripts/install-deps.sh installs) that stand in for a bad set-up
/// without touching the system's packages: a shim that links a libtorch this machine does not have, and a
/// <c>libblas.so.3</c> that is not OpenBLAS.
/// </summary>
internal static class StubLibraries
{
    /// <summary>
    /// A <c>libocular_native.so</c> in <paramref name="directory"/> that needs <paramref name="missingSoname"/>: it is
    /// linked against a stub of that name, which is then deleted, as a shim built against another libtorch would be.
    /// </summary>
    public static string ShimNeeding(string directory, string missingSoname)
    {
        var stubs = Path.Combine(directory, "gone");
        var stub = Compile(stubs, missingSoname);
        var shim = Compile(Path.Combine(directory, "shim"), "libocular_native.so", "-Wl,--no-as-needed", stub);
        Directory.Delete(stubs, recursive: true);
        return shim;
    }

    /// <summary>A <c>libblas.so.3</c> (an empty library of that soname) in <paramref name="directory"/>.</summary>
    public static string Blas(string directory) => Compile(directory, "libblas.so.3");

    private static string Compile(string directory, string soname, params string[] extra)
    {
        Directory.CreateDirectory(directory);
        var source = Path.Combine(directory, "stub.cpp");
        File.WriteAllText(source, "extern \"C\" int ocular_test_stub() { return 0; }\n");
        var output = Path.Combine(directory, soname);
        var r = ChildProcess.Run("g++", ["-shared", "-fPIC", "-o", output, $"-Wl,-soname,{soname}", source, .. extra], directory);
        if (r.ExitCode != 0) throw new InvalidOperationException($"g++ failed:\n{r.Output}");
        return output;
    }
}
