using System.Globalization;
using Xunit.Abstractions;
using F = Ocular.Torch.Functional;

namespace Ocular.Torch.Tests;

/// <summary>
/// A long training loop runs in flat resident memory. It runs alone (the global-state collection is
/// never run in parallel with other tests), so that other tests' allocations do not blur the reading.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public class MemoryTests(ITestOutputHelper output)
{
    /// <summary>Resident set size of this process in bytes (second field of /proc/self/statm, in pages).</summary>
    private static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    // 10,000 steps of a small conv + linear classifier: forward, cross-entropy, backward, and an
    // in-place SGD update under NoGrad, each step in its own DisposeScope. After 500 warm-up steps,
    // resident memory may grow by at most 20 MB (a leaked step would cost ≥ 20 KB: 10,000 steps ≥ 200 MB).
    // One libtorch thread: on a loaded machine OpenMP's spinning threads make these tiny ops ~40× slower.
    [Fact]
    public void TenThousandTrainingStepsRunInFlatMemory()
    {
        var threads = Engine.NumThreads;
        Engine.SetNumThreads(1);
        try
        {
            TrainInFlatMemory();
        }
        finally
        {
            Engine.SetNumThreads(threads);
        }
    }

    private void TrainInFlatMemory()
    {
        const int warmUp = 500, steps = 10_000;
        const long boundBytes = 20L << 20;
        using var g = new Generator(5);
        using var x = Tensor.Randn([8, 2, 6, 6], g);
        using var y = Tensor.RandInt(0, 3, [8], g);
        using var convW = Tensor.Randn([4, 2, 3, 3], g).Mul_(0.3).RequiresGrad_();
        using var convB = Tensor.Zeros([4], ScalarType.Float32, requiresGrad: true);
        using var fcW = Tensor.Randn([3, 64], g).Mul_(0.1).RequiresGrad_();
        using var fcB = Tensor.Zeros([3], ScalarType.Float32, requiresGrad: true);
        Tensor[] parameters = [convW, convB, fcW, fcB];

        double Step(bool checkDisposal)
        {
            Tensor loss;
            double value;
            using (var scope = DisposeScope.Enter())
            {
                var h = F.MaxPool2d(F.Conv2d(x, convW, convB, padding: 1).Relu(), 2);  // [8, 4, 3, 3]
                var logits = F.Linear(F.AdaptiveAvgPool2d(h, 4).Flatten(1), fcW, fcB); // [8, 64] → [8, 3]
                loss = F.CrossEntropy(logits, y);
                loss.Backward();
                using (Autograd.NoGrad())
                {
                    foreach (var p in parameters)
                    {
                        p.Add_(p.Grad!, -0.05);
                        p.Grad = null;
                    }
                }
                value = loss.Item<double>();
                if (checkDisposal) Assert.True(scope.Count > 10, $"the scope owns only {scope.Count} tensors");
            }
            if (checkDisposal) Assert.True(loss.IsDisposed, "the scope did not free the loss");
            return value;
        }

        var first = Step(checkDisposal: true);
        for (var i = 1; i < warmUp; i++) Step(false);
        var before = ResidentBytes();
        var last = 0.0;
        for (var i = 0; i < steps; i++) last = Step(i % 1000 == 0);
        var after = ResidentBytes();

        output.WriteLine($"loss {first:F4} → {last:F4}; resident {before / 1048576.0:F1} MB → {after / 1048576.0:F1} MB");
        Assert.True(last < first * 0.5, $"training did not progress: loss {first} → {last}");
        Assert.True(after - before < boundBytes,
            $"resident memory grew by {(after - before) / 1048576.0:F1} MB over {steps} steps (bound {boundBytes >> 20} MB)");
    }
}
