namespace Ocular.Torch.Tests;

/// <summary>The documented behaviour of <see cref="DisposeScope"/>: nesting, Keep, KeepAll, Detach.</summary>
public class DisposeScopeTests
{
    [Fact]
    public void ScopeFreesEverythingCreatedInsideIt()
    {
        Tensor a, b, c;
        using (var scope = DisposeScope.Enter())
        {
            Assert.Same(scope, DisposeScope.Current);
            a = Tensor.Ones(2);
            b = a * 2;
            c = b.Reshape(2, 1);
            Assert.Equal(3, scope.Count);
        }
        Assert.True(a.IsDisposed && b.IsDisposed && c.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => b.Sum());
    }

    [Fact]
    public void TensorsOutsideAnyScopeAreNotFreed()
    {
        using var outside = Tensor.Ones(2);
        using (DisposeScope.Enter())
        {
            using var inner = outside * 2;
        }
        Assert.False(outside.IsDisposed);
        Assert.Equal(new float[] { 1, 1 }, outside.ToArray<float>());
    }

    [Fact]
    public void NestedScopesFreeInnermostFirstAndKeepMovesOneLevelOut()
    {
        Tensor outerTemp, innerTemp, kept;
        using (var outer = DisposeScope.Enter())
        {
            outerTemp = Tensor.Ones(2);
            using (var inner = DisposeScope.Enter())
            {
                Assert.Same(inner, DisposeScope.Current);
                innerTemp = outerTemp + 1;
                kept = inner.Keep(innerTemp * 3);
                Assert.Equal(1, inner.Count);
            }
            Assert.Same(outer, DisposeScope.Current);
            Assert.True(innerTemp.IsDisposed);
            Assert.False(kept.IsDisposed);
            Assert.Equal(new float[] { 6, 6 }, kept.ToArray<float>());
            Assert.Equal(2, outer.Count); // outerTemp and the kept tensor
        }
        Assert.Null(DisposeScope.Current);
        Assert.True(outerTemp.IsDisposed);
        Assert.True(kept.IsDisposed); // kept moved to the outer scope, which freed it
    }

    [Fact]
    public void KeepInTheOutermostScopeHandsOwnershipToTheCaller()
    {
        Tensor kept;
        using (var scope = DisposeScope.Enter()) kept = scope.Keep(Tensor.Ones(3));
        Assert.False(kept.IsDisposed);
        kept.Dispose();
        Assert.True(kept.IsDisposed);
    }

    [Fact]
    public void KeepAllKeepsSeveral()
    {
        Tensor a, b, c;
        using (var scope = DisposeScope.Enter())
        {
            a = Tensor.Ones(1);
            b = Tensor.Ones(1);
            c = Tensor.Ones(1);
            scope.KeepAll(a, c);
            Assert.Equal(1, scope.Count);
        }
        Assert.False(a.IsDisposed);
        Assert.True(b.IsDisposed);
        Assert.False(c.IsDisposed);
        a.Dispose();
        c.Dispose();
    }

    [Fact]
    public void KeepOfATensorOwnedByAnOuterScopeLeavesItThere()
    {
        Tensor t;
        using (var outer = DisposeScope.Enter())
        {
            t = Tensor.Ones(1);
            using (var inner = DisposeScope.Enter()) Assert.Same(t, inner.Keep(t));
            Assert.False(t.IsDisposed);
            Assert.Equal(1, outer.Count);
        }
        Assert.True(t.IsDisposed);
    }

    [Fact]
    public void DetachRemovesFromEveryScope()
    {
        Tensor t;
        using (var outer = DisposeScope.Enter())
        {
            using (DisposeScope.Enter()) t = DisposeScope.Detach(Tensor.Ones(2));
            Assert.Equal(0, outer.Count);
        }
        Assert.False(t.IsDisposed);
        t.Dispose();
    }

    [Fact]
    public void ExplicitDisposeInsideAScopeIsNotRepeated()
    {
        using var scope = DisposeScope.Enter();
        var t = Tensor.Ones(2);
        t.Dispose();
        Assert.Equal(0, scope.Count);
        scope.Dispose();
        scope.Dispose(); // idempotent
        Assert.True(t.IsDisposed);
    }

    [Fact]
    public void DisposingAnOuterScopeFirstNeverLeavesADisposedScopeCurrent()
    {
        var outer = DisposeScope.Enter();
        var inner = DisposeScope.Enter();
        var a = Tensor.Ones(1);
        outer.Dispose();
        Assert.Same(inner, DisposeScope.Current);
        Assert.False(a.IsDisposed);
        var b = Tensor.Ones(1);
        inner.Dispose();
        Assert.True(a.IsDisposed && b.IsDisposed);
        Assert.Null(DisposeScope.Current);
        using var c = Tensor.Ones(1); // belongs to no scope: nothing disposed will own it
        using (var next = DisposeScope.Enter())
        {
            var d = next.Keep(Tensor.Ones(1));
            Assert.False(d.IsDisposed);
            d.Dispose();
        }
        Assert.False(c.IsDisposed);
    }

    [Fact]
    public void ScopeDisposedOnAnotherThreadStopsOwning()
    {
        var scope = DisposeScope.Enter();
        var t = new Thread(scope.Dispose);
        t.Start();
        t.Join();
        Assert.Null(DisposeScope.Current);
        using var after = Tensor.Ones(1);
        Assert.Equal(0, scope.Count);
    }

    [Fact]
    public void ScopesArePerThread()
    {
        Tensor fromOtherThread = null!;
        using (DisposeScope.Enter())
        {
            var thread = new Thread(() => fromOtherThread = Tensor.Ones(1));
            thread.Start();
            thread.Join();
        }
        Assert.False(fromOtherThread.IsDisposed);
        fromOtherThread.Dispose();
    }

    [Fact]
    public void CompositeOperationsLeaveOnlyTheirResultInTheCallersScope()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Ones(1, 1, 5, 5);
        var before = scope.Count;
        var blurred = Functional.GaussianBlur(x, 3);
        Assert.Equal(before + 1, scope.Count);
        Assert.False(blurred.IsDisposed);
        var normalized = Functional.Normalize(x);
        Assert.Equal(before + 2, scope.Count);
        Assert.False(normalized.IsDisposed);
    }
}
