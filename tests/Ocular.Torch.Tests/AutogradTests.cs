using F = Ocular.Torch.Functional;

namespace Ocular.Torch.Tests;

/// <summary>Autograd and in-place operations against tests/fixtures/torch/ops_autograd.safetensors.</summary>
public class AutogradTests
{
    private static readonly GoldenFile G = new("autograd");

    private static Tensor Leaf(string key) => G[key].Detach().Clone().RequiresGrad_();

    [Fact]
    public void RequiresGradPropagates()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Ones(2);
        Assert.False(x.RequiresGrad);
        Assert.Same(x, x.RequiresGrad_());
        Assert.True(x.RequiresGrad);
        Assert.True(x.IsLeaf);
        var y = x * 2;
        Assert.True(y.RequiresGrad);
        Assert.False(y.IsLeaf);
        Assert.Equal("MulBackward0", y.GradFnName); // as Python's x * 2 (a wrapped-number tensor)
        Assert.Equal("AddBackward0", (x + 1).GradFnName);
        Assert.Equal("PowBackward0", x.Pow(2).GradFnName);
        Assert.Null(x.Grad);
        var z = Tensor.Zeros([2], ScalarType.Float32, requiresGrad: true);
        Assert.True(z.RequiresGrad);
    }

    [Fact]
    public void BackwardWithExplicitGradient()
    {
        using var scope = DisposeScope.Enter();
        var x = Leaf("backward_gradient/x");
        (x * x * 3).Backward(G["backward_gradient/g"]);
        TensorAssert.Close(G["backward_gradient/grad"], x.Grad!, "d/dx");
    }

    [Fact]
    public void BackwardOfNonScalarWithoutGradientIsTorchException()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Ones(3).RequiresGrad_();
        var e = Assert.Throws<TorchException>(() => (x * 2).Backward());
        Assert.Contains("grad can be implicitly created only for scalar outputs", e.Message);
    }

    [Fact]
    public void RetainGradKeepsNonLeafGradient()
    {
        using var scope = DisposeScope.Enter();
        var x = Leaf("retain_grad/x");
        var z = x.Exp().RetainGrad();
        var other = x.Exp();
        (z * G["retain_grad/w"]).Sum().Backward();
        TensorAssert.Close(G["retain_grad/z_grad"], z.Grad!, "z.grad");
        TensorAssert.Close(G["retain_grad/x_grad"], x.Grad!, "x.grad");
        Assert.Null(other.Grad); // a non-leaf without RetainGrad keeps none
    }

    [Fact]
    public void GradientsAccumulateAndRetainGraphAllowsASecondBackward()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.FromArray(new float[] { 1, 2 }).RequiresGrad_();
        var y = (x * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal(new float[] { 4, 8 }, x.Grad!.ToArray<float>());
        var e = Assert.Throws<TorchException>(() => y.Backward());
        Assert.Contains("Trying to backward through the graph a second time", e.Message);
        x.Grad = null;
        Assert.Null(x.Grad);
    }

    [Fact]
    public void AutogradGradWithSeveralOutputsInputsAndGradOutputs()
    {
        using var scope = DisposeScope.Enter();
        var a = Leaf("grad_multi/a");
        var b = Leaf("grad_multi/b");
        var y1 = (a * b).Sum(1);
        var y2 = a.Sin() * b;
        var grads = Autograd.Grad([y1, y2], [a, b], [G["grad_multi/go1"], G["grad_multi/go2"]]);
        TensorAssert.Close(G["grad_multi/ga"], grads[0]!, "da");
        TensorAssert.Close(G["grad_multi/gb"], grads[1]!, "db");
        Assert.Null(a.Grad); // autograd.grad does not accumulate into .grad
    }

    [Fact]
    public void AutogradGradUnusedInput()
    {
        using var scope = DisposeScope.Enter();
        var a = Tensor.Ones(2).RequiresGrad_();
        var b = Tensor.Ones(2).RequiresGrad_();
        var y = (a * 3).Sum();
        var e = Assert.Throws<TorchException>(() => Autograd.Grad([y], [a, b], retainGraph: true));
        Assert.Contains("One of the differentiated Tensors appears to not have been used in the graph", e.Message);
        var grads = Autograd.Grad([y], [a, b], allowUnused: true);
        Assert.Equal(new float[] { 3, 3 }, grads[0]!.ToArray<float>());
        Assert.Null(grads[1]);
    }

    // Hessian-vector product through tanh(x @ W)²: a gradient of a gradient (createGraph).
    [Fact]
    public void DoubleBackwardHessianVectorProduct()
    {
        using var scope = DisposeScope.Enter();
        var x = Leaf("double/x");
        var w = Leaf("double/W");
        var z = x.Matmul(w).Tanh().Pow(2).Sum();
        var gx = Autograd.Grad([z], [x], createGraph: true)[0]!;
        Assert.True(gx.RequiresGrad);
        TensorAssert.Close(G["double/gx"], gx, "dz/dx");
        var h = Autograd.Grad([(gx * G["double/v"]).Sum()], [x, w]);
        TensorAssert.Close(G["double/hx"], h[0]!, "d(v·dz/dx)/dx");
        TensorAssert.Close(G["double/hW"], h[1]!, "d(v·dz/dx)/dW");
    }

    [Fact]
    public void ThirdDerivativeOfCubic()
    {
        using var scope = DisposeScope.Enter();
        var x = Leaf("cubic/x");
        var g1 = Autograd.Grad([x.Pow(3).Sum()], [x], createGraph: true)[0]!;
        var g2 = Autograd.Grad([g1.Sum()], [x], createGraph: true)[0]!;
        var g3 = Autograd.Grad([g2.Sum()], [x])[0]!;
        TensorAssert.Close(G["cubic/g1"], g1, "3x²");
        TensorAssert.Close(G["cubic/g2"], g2, "6x");
        TensorAssert.Close(G["cubic/g3"], g3, "6");
    }

    [Fact]
    public void NoGradScopeStopsRecordingAndRestores()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Ones(2).RequiresGrad_();
        Assert.True(Autograd.IsGradEnabled);
        using (Autograd.NoGrad())
        {
            Assert.False(Autograd.IsGradEnabled);
            Assert.False((x * 2).RequiresGrad);
            using (Autograd.EnableGrad()) Assert.True((x * 2).RequiresGrad);
            Assert.False(Autograd.IsGradEnabled);
        }
        Assert.True(Autograd.IsGradEnabled);
        Assert.True((x * 2).RequiresGrad);
    }

    [Fact]
    public void InferenceModeMakesInferenceTensors()
    {
        using var scope = DisposeScope.Enter();
        var w = Tensor.Ones(2).RequiresGrad_();
        Tensor y;
        using (Autograd.InferenceMode())
        {
            Assert.True(Autograd.IsInferenceModeEnabled);
            Assert.False(Autograd.IsGradEnabled);
            y = w * 3;
            Assert.False(y.RequiresGrad);
            Assert.True(y.IsInference);
        }
        Assert.False(Autograd.IsInferenceModeEnabled);
        Assert.True(Autograd.IsGradEnabled);
        Assert.False(w.IsInference);
        Assert.Equal(new float[] { 3, 3 }, y.ToArray<float>());
        var e = Assert.Throws<TorchException>(() => y.Add_(1));
        Assert.Contains("Inplace update to inference tensor outside InferenceMode", e.Message);
    }

    [Fact]
    public void DetachSharesStorageAndCutsTheGraph()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.FromArray(new float[] { 1, 2 }).RequiresGrad_();
        var y = x * 2;
        var d = y.Detach();
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
        d.Add_(10);
        Assert.Equal(new float[] { 12, 14 }, y.ToArray<float>());
        var e = (x.Detach() * x).Sum();
        e.Backward();
        Assert.Equal(new float[] { 1, 2 }, x.Grad!.ToArray<float>()); // the detached factor is a constant
    }

    [Fact]
    public void InPlaceOperationValues()
    {
        using var scope = DisposeScope.Enter();
        var t = G["inplace/t"];
        var (o1, o2) = (G["inplace/o1"], G["inplace/o2"]);
        Tensor Fresh() => t.Clone();
        var cases = new (string Key, Func<Tensor> Run)[]
        {
            ("add_", () => { var r = Fresh(); Assert.Same(r, r.Add_(o1, -0.5)); return r; }),
            ("add_scalar_", () => { var r = Fresh(); Assert.Same(r, r.Add_(1.25)); return r; }),
            ("mul_", () => { var r = Fresh(); Assert.Same(r, r.Mul_(o1)); return r; }),
            ("mul_scalar_", () => { var r = Fresh(); Assert.Same(r, r.Mul_(-3)); return r; }),
            ("addcmul_", () => { var r = Fresh(); Assert.Same(r, r.Addcmul_(o1, o2, 0.3)); return r; }),
            ("addcdiv_", () => { var r = Fresh(); Assert.Same(r, r.Addcdiv_(o1, o2, -2)); return r; }),
            ("copy_bcast", () => { var r = Tensor.Zeros(3, 4); using var row = o1[0]; Assert.Same(r, r.Copy_(row)); return r; }),
            ("copy_int", () => { var r = Tensor.Zeros([3, 4], ScalarType.Int32); using var s = o1 * 10; return r.Copy_(s); }),
        };
        foreach (var (key, run) in cases) TensorAssert.Close(G[$"inplace/{key}"], run(), key);

        var z = Fresh();
        Assert.Same(z, z.Zero_());
        Assert.Equal(new float[12], z.ToArray<float>());
    }

    [Fact]
    public void GradientsThroughInPlaceOperations() => G.Check("inplace_grad", c =>
    {
        var (x, a, b) = (c["x"], c["a"], c["b"]);
        return (x * 1).Mul_(a).Add_(b, 2).Addcmul_(a, b, 0.5).Addcdiv_(x, b, -1);
    });

    [Fact]
    public void GradientsThroughCopyAndZero() => G.Check("inplace_copy_zero_grad", c =>
    {
        var (x, z) = (c["x"], c["z"]);
        return [(x * 1).Copy_(z * 2), (x * 1).Zero_().Add_(z), (x * 1).Mul_(0.5).Copy_(x.Exp())];
    });

    [Fact]
    public void InPlaceOnLeafRequiringGradIsTorchException()
    {
        using var scope = DisposeScope.Enter();
        var w = Tensor.Ones(3).RequiresGrad_();
        var other = Tensor.Ones(3);
        const string message = "a leaf Variable that requires grad is being used in an in-place operation.";
        Assert.Contains(message, Assert.Throws<TorchException>(() => w.Add_(other)).Message);
        Assert.Contains(message, Assert.Throws<TorchException>(() => w.Mul_(2)).Message);
        Assert.Contains(message, Assert.Throws<TorchException>(() => w.Addcmul_(other, other, 1)).Message);
        Assert.Contains(message, Assert.Throws<TorchException>(() => w.Addcdiv_(other, other, 1)).Message);
        Assert.Contains(message, Assert.Throws<TorchException>(() => w.Zero_()).Message);
        Assert.Contains(message, Assert.Throws<TorchException>(() => w.Copy_(other)).Message);
        Assert.Equal(new float[] { 1, 1, 1 }, w.ToArray<float>()); // untouched, and the process goes on
        using (Autograd.NoGrad()) w.Add_(other, -0.5);              // allowed without recording
        Assert.Equal(new float[] { 0.5f, 0.5f, 0.5f }, w.ToArray<float>());
    }

    [Fact] public void MlpTrainingStepGradients() => G.Check("mlp_step", c =>
        F.CrossEntropy(F.Linear(F.Linear(c["x"], c["w1"], c["b1"]).Relu(), c["w2"], c["b2"]), c["t"]));
}
