namespace Ocular.Torch.Tests;

/// <summary>Views, Python-style indexing, joining and splitting against tests/fixtures/torch/ops_views.safetensors.</summary>
public class ViewsAndIndexingTests
{
    private static readonly GoldenFile G = new("views");

    [Fact] public void Reshape() => G.Check("reshape", c => c["x"].Reshape(4, -1));
    [Fact] public void View() => G.Check("view", c => c["x"].View(6, 4));
    [Fact] public void Permute() => G.Check("permute", c => c["x"].Permute(2, 0, 1));
    [Fact] public void Transpose() => G.Check("transpose", c => c["x"].Transpose(0, 2));

    [Fact]
    public void Contiguous() => G.Check("contiguous", c =>
    {
        var t = c["x"].Transpose(1, 2);
        Assert.False(t.IsContiguous);
        var r = t.Contiguous();
        Assert.True(r.IsContiguous);
        return r;
    });

    [Fact] public void SqueezeAll() => G.Check("squeeze_all", c => c["x"].Squeeze());
    [Fact] public void SqueezeDim() => G.Check("squeeze_dim", c => c["x"].Squeeze(1));
    [Fact] public void Unsqueeze() => G.Check("unsqueeze", c => [c["x"].Unsqueeze(0), c["x"].Unsqueeze(-1)]);
    [Fact] public void Expand() => G.Check("expand", c => c["x"].Expand(2, 3, 4));
    [Fact] public void ExpandKeepsMinusOne() => G.Check("expand_keep", c => c["x"].Expand(-1, 5));
    [Fact] public void Flatten() => G.Check("flatten", c => [c["x"].Flatten(1), c["x"].Flatten(0, 1), c["x"].Flatten()]);
    [Fact] public void Narrow() => G.Check("narrow", c => c["x"].Narrow(1, 1, 2));
    [Fact] public void Select() => G.Check("select", c => [c["x"].Select(2, -1), c["x"].Select(0, 1)]);
    [Fact] public void SliceMethod() => G.Check("slice_method", c => c["x"].Slice(1, 1, 8, 3));

    [Fact] public void IndexSliceWithStep() => G.Check("slice_step", c => c["x"][.., TensorIndex.Slice(1, 6, 2)]);

    // x[1, :, 1:-1, ..., None, idx, mask]
    [Fact]
    public void IndexFullExample() => G.Check("index_full_example",
        c => c["x"][1, .., 1..^1, TensorIndex.Ellipsis, TensorIndex.NewAxis, c["idx"], c["mask"]]);

    [Fact] public void IndexIntAndRange() => G.Check("index_int_range", c => c["x"][1, .., 1..^1]);
    [Fact] public void IndexEllipsisNewAxis() => G.Check("index_ellipsis_newaxis", c => c["x"][TensorIndex.Ellipsis, TensorIndex.NewAxis, 2]);
    [Fact] public void IndexNewAxisFirst() => G.Check("index_newaxis_front", c => c["x"][TensorIndex.NewAxis, .., 1]);
    [Fact] public void IndexTensorInSecondDim() => G.Check("index_tensor_dim1", c => c["x"][.., c["idx"]]);
    [Fact] public void IndexIntSliceTensor() => G.Check("index_int_slice_tensor", c => c["x"][0, .., c["idx"]]);
    [Fact] public void IndexTensorSliceInt() => G.Check("index_tensor_slice_int", c => c["x"][c["idx"], .., 0]);
    [Fact] public void IndexTwoBroadcastTensors() => G.Check("index_two_tensors", c => c["x"][c["i"], c["j"]]);
    [Fact] public void IndexTensorsSeparatedBySlice() => G.Check("index_tensors_apart", c => c["x"][c["i"], .., c["j"]]);
    [Fact] public void IndexTwoDimensionalMask() => G.Check("index_mask_2d", c => c["x"][c["mask"]]);
    [Fact] public void IndexTwoDimensionalMaskAfterSlice() => G.Check("index_mask_2d_last", c => c["x"][.., c["mask"]]);
    [Fact] public void IndexEllipsisThenMask() => G.Check("index_ellipsis_mask", c => c["x"][TensorIndex.Ellipsis, c["mask"]]);
    [Fact] public void IndexStepSlices() => G.Check("index_step_slice", c => c["x"][TensorIndex.Slice(step: 2), TensorIndex.Slice(1, null, 3)]);
    [Fact] public void IndexNegative() => G.Check("index_negative", c => c["x"][-1, -2]);
    [Fact] public void IndexFromEnd() => G.Check("index_from_end", c => [c["x"][^3..], c["x"][..^2, ^4..^1]]);
    [Fact] public void IndexZeroDimLongTensor() => G.Check("index_long_scalar_tensor", c => c["x"][c["i"]]);

    [Fact]
    public void SetItemScalar()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Zeros(2, 3);
        var mask = x.Ge(0);
        using var row = Tensor.FromArray(new long[] { 1 });
        Assert.Same(x, x.IndexPut_([row, 1..], 2.75));
        Assert.Equal(new float[] { 0, 0, 0, 0, 2.75f, 2.75f }, x.ToArray<float>());
        var i = Tensor.Zeros([2, 2], ScalarType.Int32);
        i.IndexPut_([mask[.., ..2]], 7.9); // the value takes the tensor's type, as in Python
        Assert.Equal(new[] { 7, 7, 7, 7 }, i.ToArray<int>());
    }

    [Fact]
    public void SetItemBasic() => G.Check("setitem_basic", c =>
    {
        var y = c["x"] * 1;
        y[1, .., 1..3] = c["v"];
        return y;
    });

    [Fact]
    public void SetItemMask() => G.Check("setitem_mask", c =>
    {
        var y = c["x"] * 1;
        y[c["mask"]] = Tensor.FromScalar(0.5);
        return y;
    });

    [Fact]
    public void SetItemScalarThroughIndexPut() => G.Check("setitem_scalar", c =>
    {
        var y = c["x"] * 1;
        Assert.Same(y, y.IndexPut_([c["mask"]], 0.5));
        return y;
    });

    [Fact]
    public void SetItemIndexTensor() => G.Check("setitem_index", c =>
    {
        var y = c["x"] * 1;
        y[.., c["idx"]] = c["v"];
        return y;
    });

    [Fact] public void IndexSelect() => G.Check("index_select", c => c["x"].IndexSelect(1, c["idx"]));
    [Fact] public void Gather() => G.Check("gather", c => c["x"].Gather(1, c["idx"]));
    [Fact] public void Scatter() => G.Check("scatter", c => c["x"].Scatter(1, c["idx"], c["src"]));
    [Fact] public void ScatterValue() => G.Check("scatter_value", c => c["x"].Scatter(1, c["idx"], -2.5));
    [Fact] public void ScatterAdd() => G.Check("scatter_add", c => c["x"].ScatterAdd(1, c["idx"], c["src"]));
    [Fact] public void MaskedFill() => G.Check("masked_fill", c => c["x"].MaskedFill(c["mask"], -1.5));
    [Fact] public void MaskedFillBroadcastMask() => G.Check("masked_fill_bcast", c => c["x"].MaskedFill(c["mask"], 2));
    [Fact] public void Cat() => G.Check("cat", c => Tensor.Cat([c["a"], c["b"], c["a"]], 1));
    [Fact] public void Stack() => G.Check("stack", c => [Tensor.Stack([c["a"], c["b"]], 0), Tensor.Stack([c["a"], c["b"]], -1)]);
    [Fact] public void Split() => G.Check("split", c => c["x"].Split(3, 1));
    [Fact] public void SplitSizes() => G.Check("split_sizes", c => c["x"].Split([1, 4, 2], 1));
    [Fact] public void Chunk() => G.Check("chunk", c => c["x"].Chunk(3, 1));
    [Fact] public void Repeat() => G.Check("repeat", c => c["x"].Repeat(2, 1, 3));
    [Fact] public void Flip() => G.Check("flip", c => c["x"].Flip(0, 2));
    [Fact] public void Unbind() => G.Check("unbind", c => c["x"].Unbind(1));
    [Fact] public void Roll() => G.Check("roll", c => c["x"].Roll([1, -1], [0, 1]));

    [Fact]
    public void ViewsShareStorage()
    {
        using var x = Tensor.Zeros(2, 3);
        using var row = x[1];
        using var col = x.Select(1, 2);
        row.Fill_(5);
        col.Fill_(-1);
        Assert.Equal(new float[] { 0, 0, -1, 5, 5, -1 }, x.ToArray<float>());
        using var t = x.Transpose(0, 1);
        Assert.Equal(new long[] { 1, 3 }, t.Strides);
        Assert.False(t.IsContiguous);
        Assert.Equal(new float[] { 0, 5, 0, 5, -1, -1 }, t.ToArray<float>()); // row-major order of the view
        var e = Assert.Throws<TorchException>(() => t.DataSpan<float>());
        Assert.Contains("contiguous", e.Message);
    }
}
