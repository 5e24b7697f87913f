using System.Globalization;
using Ocular.Torch;

namespace Ocular.Explain.Tests;

/// <summary>
/// Repeated explanations run in flat resident memory: everything a call creates (captures, masked batches,
/// gradients, masks) is freed when it returns. Alone in the global-state collection so that other tests'
/// allocations do not blur the reading.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public class MemoryTests
{
    private static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    // 100 calls per method on a 48 × 48 image after 100 warm-up calls (glibc's heap takes tens of calls to
    // settle, and keeps some growth from fragmentation): resident memory may grow by at most 16 MB (a leaked
    // masked batch of Score-CAM or RISE is 1.7 MB a call, 170 MB over 100 calls). Smaller leaks are caught
    // exactly by TemporariesAreFreed, which counts the tensors a call leaves in the caller's dispose scope.
    [Theory]
    [MemberData(nameof(PropertyTests.Methods), MemberType = typeof(PropertyTests))]
    public void RepeatedCallsRunInFlatMemory(string method)
    {
        using var f = new ExplainFixture();
        using var generator = new Generator(2);
        using var images = Tensor.Randn([1, 3, 48, 48], generator);
        using var targets = Tensor.FromArray(new long[] { 4 }, 1);
        using var explainer = ExplainerRegistry.Create(method, f.Model, new ExplainerOptions { RiseMasks = 32, BatchSize = 64 });
        for (var i = 0; i < 100; i++)
            using (explainer.Explain(images, targets)) { }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ResidentBytes();
        for (var i = 0; i < 100; i++)
            using (explainer.Explain(images, targets)) { }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var grown = ResidentBytes() - before;
        Assert.True(grown < 16L << 20, $"{method}: resident memory grew by {grown / 1048576.0:F1} MB over 100 calls");
    }

    [Theory]
    [MemberData(nameof(PropertyTests.Methods), MemberType = typeof(PropertyTests))]
    public void TemporariesAreFreed(string method)
    {
        using var f = new ExplainFixture();
        using var explainer = ExplainerRegistry.Create(method, f.Model, new ExplainerOptions { RiseMasks = 32, AugSmooth = method == "grad-cam" });
        using var scope = DisposeScope.Enter();
        var maps = explainer.Explain(f.Images, f.Targets);
        Assert.Equal(1, scope.Count);   // the maps, and nothing else left alive
        maps.Dispose();
        Assert.Equal(0, scope.Count);
    }
}
