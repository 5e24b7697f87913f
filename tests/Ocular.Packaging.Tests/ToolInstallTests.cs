using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets.Shapes;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Xunit.Abstractions;

namespace Ocular.Packaging.Tests;

/// <summary>
/// The <c>ocular</c> tool installed from the packed feed into a temporary tool path (<see cref="PackedOcular"/>), run
/// as a user would: its own native shim found in its folder, <c>ocular version</c> and <c>ocular explain</c> working,
/// and the bad set-ups of issue 18 answered with one clear message.
/// </summary>
[Collection(PackagingCollection.Name)]
public sealed class ToolInstallTests(PackedOcular packed, ITestOutputHelper output)
{
    [Fact]
    public void TheInstalledToolRunsVersionWithTheShimOfItsPackage()
    {
        Assert.True(packed.Install.ExitCode == 0, packed.Install.Output);
        Assert.Contains($"Tool 'ocular' (version '{packed.Version}') was successfully installed.", packed.Install.StdOut);
        output.WriteLine($"dotnet pack: {packed.PackSeconds:F1} s; dotnet tool install: {packed.Install.Elapsed.TotalSeconds:F2} s");

        var r = packed.RunTool(null, "version", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Equal("", r.StdErr);                                                  // OpenBLAS here: no warning
        Assert.Equal(Engine.OcularVersion, SpectreTable.Value(r.StdOut, "Ocular"));
        Assert.StartsWith("1.13.", SpectreTable.Value(r.StdOut, "libtorch"));
        Assert.Equal("1", SpectreTable.Value(r.StdOut, "intra-op threads"));
        Assert.Equal(Path.Combine(packed.ToolFolder, "libocular_native.so"), SpectreTable.Value(r.StdOut, "native library"));
    }

    [Fact]
    public void TheInstalledToolExplainsAnImageAsTheLibraryDoes()
    {
        var dir = packed.NewDirectory("explain");
        var model = TinyCheckpoint.Create(dir, size: 64);
        var image = Path.Combine(dir, "shape.png");
        using (var sample = new ShapesDataset(new() { Count = 1, Seed = 5 }).Get(0)) ImageIO.WritePng(image, sample.Image);
        var maps = Path.Combine(dir, "maps");

        var r = packed.RunTool(null, "explain", "--model", model, "--method", "grad-cam", "--input", image, "--out", maps, "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.True(File.Exists(Path.Combine(maps, "explain.json")));
        using var written = Npy.Load(Path.Combine(maps, "grad-cam.npy"));
        Assert.Equal(new long[] { 1, 64, 64 }, written.Shape);

        // The same map from the libraries of this build, in this process.
        using var loaded = ClassifierCheckpoint.Load(model);
        using var x = loaded.Metadata.Preprocessing().Apply(ImageIO.Read(image)).Unsqueeze(0);
        using var logits = loaded.Model.Call(x);
        using var predicted = logits.Argmax(1);
        using var gradCam = ExplainerRegistry.Create("grad-cam", loaded.Model);
        using var expected = gradCam.Explain(x, predicted);
        Assert.True(expected.AllClose(written, rtol: 0, atol: 1e-5), "the installed tool's Grad-CAM map differs from the library's");
    }

    [Fact]
    public void AShimWhoseLibtorchIsMissingSaysWhichLibtorchItNeedsAndWhichIsInstalled()
    {
        // A shim built against a libtorch 0.9 this machine lacks (it has Debian's 1.13), handed to the installed tool.
        var shim = StubLibraries.ShimNeeding(packed.NewDirectory("other-libtorch"), "libtorch_cpu.so.0.9");
        var r = packed.RunTool(new Dictionary<string, string> { ["OCULAR_NATIVE_LIBRARY"] = shim }, "version");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.StdOut);
        var line = Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.StartsWith($"ocular: error: Ocular's native library {shim} could not be loaded: it needs libtorch 0.9 (libtorch_cpu.so.0.9), " +
                          "but this machine has libtorch 1.13 (", line);
        Assert.Contains("libtorch_cpu.so.1.13), another version. Install libtorch 0.9 beside it (on Debian 12: sudo apt-get install libtorch-dev", line);
    }

    [Fact]
    public void ABlasOtherThanOpenBlasIsWarnedAboutOnce()
    {
        // libtorch links libblas.so.3; a stub of that name first on the loader's path plays a machine without OpenBLAS.
        var blas = StubLibraries.Blas(packed.NewDirectory("reference-blas"));
        var r = packed.RunTool(new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = Path.GetDirectoryName(blas)! }, "version");
        Assert.True(r.ExitCode == 0, r.Output);
        var warning = Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Equal($"ocular: warning: libtorch's BLAS (libblas.so.3) is {blas}, not OpenBLAS: linear layers and matrix products run " +
                     "several times slower. Install OpenBLAS: sudo apt-get install libopenblas0-pthread (when it is installed, select it: " +
                     "sudo update-alternatives --config libblas.so.3-x86_64-linux-gnu).", warning);
        Assert.Equal("not OpenBLAS (see the warning above)", SpectreTable.Value(r.StdOut, "BLAS check"));
    }
}
