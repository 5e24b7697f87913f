namespace Ocular.Torch.Tests;

/// <summary>
/// libtorch errors surface as <see cref="TorchException"/> with libtorch's own message (without its
/// C++ backtrace), misuse of disposed tensors as <see cref="ObjectDisposedException"/>; the process goes on.
/// </summary>
public class ErrorTests
{
    private static void AssertProcessContinues()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3 });
        using var s = a.Sum();
        Assert.Equal(6f, s.Item<float>());
    }

    private static TorchException Throws(Func<object> action, string libtorchText)
    {
        var e = Assert.Throws<TorchException>(action);
        Assert.Contains(libtorchText, e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message); // no C++ backtrace
        AssertProcessContinues();
        return e;
    }

    [Fact]
    public void Conv2dChannelMismatchCarriesLibtorchMessage()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Zeros(1, 3, 8, 8);
        var w = Tensor.Zeros(2, 4, 3, 3);
        Throws(() => Functional.Conv2d(x, w),
            "Given groups=1, weight of size [2, 4, 3, 3], expected input[1, 3, 8, 8] to have 4 channels, but got 3 channels instead");
    }

    [Fact]
    public void Conv2dKernelLargerThanInput()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Zeros(1, 1, 2, 2);
        var w = Tensor.Zeros(1, 1, 3, 3);
        Throws(() => Functional.Conv2d(x, w), "Kernel size can't be greater than actual input size");
    }

    [Fact]
    public void IndexOutOfRangeIsTorchException()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Zeros(3, 5);
        Throws(() => x[3], "index 3 is out of bounds for dimension 0 with size 3");
        Throws(() => x[.., -6], "index -6 is out of bounds for dimension 1 with size 5");
        Throws(() => x.Select(1, 5), "select(): index 5 out of range for tensor of size [3, 5] at dimension 1");
        Throws(() => x[0, 0, 0], "too many indices for tensor of dimension 2");
        var idx = Tensor.FromArray(new long[] { 0, 7 });
        Throws(() => x[idx], "index 7 is out of bounds for dimension 0 with size 3");
        Throws(() => x.IndexSelect(0, idx), "index out of range in self");
        var gidx = Tensor.FromArray(new long[] { 0, 9, 0, 0, 0, 0 }, 3, 2);
        Throws(() => x.Gather(1, gidx), "index 9 is out of bounds for dimension 1 with size 5");
        Throws(() => x.Narrow(1, 3, 4), "start (3) + length (4) exceeds dimension size (5).");
        Throws(() => x.Transpose(0, 2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
    }

    [Fact]
    public void ShapeErrorsAreTorchExceptions()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Zeros(2, 3);
        Throws(() => x.Reshape(5), "shape '[5]' is invalid for input of size 6");
        Throws(() => x.Transpose(0, 1).View(6), "view size is not compatible with input tensor's size and stride");
        Throws(() => x + Tensor.Zeros(4), "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
        Throws(() => Tensor.Cat([x, Tensor.Zeros(2, 2)], 0), "Sizes of tensors must match except in dimension 0");
        Throws(() => x.Expand(3, 3), "The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0");
        var bools = Tensor.Ones([2], ScalarType.Bool);
        Throws(() => bools - bools, "Subtraction, the `-` operator, with two bool tensors is not supported");
    }

    [Fact]
    public void AutogradMisuseIsTorchException()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Ones(2).RequiresGrad_();
        var y = x * 2;
        Throws(() => y.RequiresGrad_(false), "you can only change requires_grad flags of leaf variables.");
        var i = Tensor.Ones([2], ScalarType.Int64);
        Throws(() => i.RequiresGrad_(), "Only Tensors of floating point and complex dtype can require gradients");
        var c = Tensor.Ones(2);
        Throws(() => { c.Backward(); return c; }, "element 0 of tensors does not require grad and does not have a grad_fn");
    }

    [Fact]
    public void DisposedTensorsRaiseObjectDisposedException()
    {
        var live = Tensor.Ones(2);
        var dead = Tensor.Ones(2);
        dead.Dispose();
        Assert.True(dead.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => dead.Sum());
        Assert.Throws<ObjectDisposedException>(() => dead.Shape);
        Assert.Throws<ObjectDisposedException>(() => dead.ToArray<float>());
        Assert.Throws<ObjectDisposedException>(() => live + dead);
        Assert.Throws<ObjectDisposedException>(() => dead * 2);
        Assert.Throws<ObjectDisposedException>(() => Tensor.Cat([live, dead]));
        Assert.Throws<ObjectDisposedException>(() => Functional.Linear(live, dead));
        Assert.Throws<ObjectDisposedException>(() => live[dead]);
        Assert.Throws<ObjectDisposedException>(() => Autograd.Grad([live], [dead]));
        Assert.Equal("Tensor(disposed)", dead.ToString());
        dead.Dispose(); // a second Dispose is harmless
        Tensor scoped;
        using (DisposeScope.Enter()) scoped = Tensor.Ones(1);
        Assert.Throws<ObjectDisposedException>(() => scoped.Item<float>());
        Assert.Equal(new float[] { 1, 1 }, live.ToArray<float>());
        live.Dispose();
        AssertProcessContinues();
    }

    [Fact]
    public void ErrorsAreThreadLocalAndDoNotLinger()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Zeros(2, 3);
        Throws(() => x.Reshape(7), "shape '[7]' is invalid for input of size 6");
        string? otherThreadError = "unset";
        var t = new Thread(() => otherThreadError = TorchException.LastErrorOrNull());
        t.Start();
        t.Join();
        Assert.Null(otherThreadError);
        // A later failure reports its own message, not the earlier one.
        Throws(() => x.Reshape(4), "shape '[4]' is invalid for input of size 6");
    }

    [Fact]
    public void ManagedArgumentChecksNameTheProblem()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Size(2));
        Assert.Throws<ArgumentException>(() => Functional.Pad(x, [1, 1], "mirror"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.Dropout(x, 1.5));
        Assert.Throws<ArgumentException>(() => Functional.KlDiv(x, x, "average"));
    }
}
