using Ocular.Torch;

namespace Ocular.Explain.Methods;

/// <summary>
/// RISE's random masks (Petsiuk et al., BMVC 2018, §3.2; <c>eclique/RISE</c> <c>generate_masks</c>; reference §2.10),
/// drawn from a seed and built on demand in batches: N binary s × s grids with P(1) = p1, each upsampled
/// bilinearly to ((s + 1)·cell)² with cell = ⌈H/s⌉ (⌈W/s⌉ across) and cropped to H × W at a random offset in [0, cell)².
/// </summary>
/// <remarks>
/// <para><b>Upsampling.</b> eclique uses scikit-image's <c>resize(order=1, mode="reflect", anti_aliasing=False)</c>,
/// i.e. <c>scipy.ndimage.zoom(order=1, mode="mirror", grid_mode=True)</c>: linear interpolation with half-pixel
/// centres, source coordinate (o + ½)·s/((s + 1)·cell) − ½, mirrored about the edge cells in the outer half cell.
/// <c>F.interpolate(align_corners=False)</c> has the same centres but clamps at the edges, so it differs there; this
/// class reproduces scikit-image exactly, as a separable product M = R_y · G · R_xᵀ of two interpolation matrices
/// whose rows are cropped at each mask's offset (batched matrix products in libtorch).</para>
/// <para><b>Random draws.</b> eclique draws with NumPy's global generator; here a libtorch generator seeded with
/// <c>seed</c> draws, in order, <c>torch.rand(N, s, s) &lt; p1</c> (the grids), the row offsets
/// <c>torch.randint(0, cell_h, (N,))</c> and the column offsets <c>torch.randint(0, cell_w, (N,))</c>, so PyTorch
/// reproduces the masks from the same seed.</para>
/// </remarks>
public sealed class RiseMasks : IDisposable
{
    private readonly Tensor _rows;      // R_y [upH, s]
    private readonly Tensor _columns;   // R_x [upW, s]

    private RiseMasks(Tensor grids, Tensor rowShifts, Tensor columnShifts, Tensor rows, Tensor columns, long height, long width, double keepProbability)
    {
        Grids = grids;
        RowShifts = rowShifts;
        ColumnShifts = columnShifts;
        _rows = rows;
        _columns = columns;
        Height = height;
        Width = width;
        KeepProbability = keepProbability;
    }

    /// <summary>The binary grids G, float32 [N, s, s].</summary>
    public Tensor Grids { get; }

    /// <summary>The row offsets of the crops, int64 [N] in [0, cell_h).</summary>
    public Tensor RowShifts { get; }

    /// <summary>The column offsets of the crops, int64 [N] in [0, cell_w).</summary>
    public Tensor ColumnShifts { get; }

    /// <summary>The number of masks N.</summary>
    public long Count => Grids.Size(0);

    /// <summary>The masks' height H.</summary>
    public long Height { get; }

    /// <summary>The masks' width W.</summary>
    public long Width { get; }

    /// <summary>p1, the probability that a grid cell is 1.</summary>
    public double KeepProbability { get; }

    /// <summary>Draws <paramref name="count"/> masks of <paramref name="height"/> × <paramref name="width"/> from <paramref name="seed"/>.</summary>
    /// <param name="count">N, the number of masks.</param>
    /// <param name="gridSize">s, the side of the binary grid (at least 2).</param>
    /// <param name="keepProbability">p1, in (0, 1].</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="seed">The seed of the libtorch generator.</param>
    public static RiseMasks Draw(long count, int gridSize, double keepProbability, long height, long width, ulong seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "RISE needs at least one mask");
        if (gridSize < 2) throw new ArgumentOutOfRangeException(nameof(gridSize), gridSize, "the grid size s must be at least 2");
        if (!(keepProbability > 0 && keepProbability <= 1)) throw new ArgumentOutOfRangeException(nameof(keepProbability), keepProbability, "p1 must be in (0, 1]");
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"the masks need a positive size, got {height} × {width}");
        var (cellH, cellW) = ((height + gridSize - 1) / gridSize, (width + gridSize - 1) / gridSize);   // np.ceil(input_size / s)
        using var generator = new Generator(seed);
        using var scope = DisposeScope.Enter();
        var grids = Tensor.Rand([count, gridSize, gridSize], generator).Lt(keepProbability).To(ScalarType.Float32);
        var rowShifts = Tensor.RandInt(cellH, [count], generator);
        var columnShifts = Tensor.RandInt(cellW, [count], generator);
        var rows = ResizeMatrix(gridSize, (gridSize + 1) * cellH);
        var columns = ResizeMatrix(gridSize, (gridSize + 1) * cellW);
        scope.KeepAll(grids, rowShifts, columnShifts, rows, columns);
        return new RiseMasks(DisposeScope.Detach(grids), DisposeScope.Detach(rowShifts), DisposeScope.Detach(columnShifts),
            DisposeScope.Detach(rows), DisposeScope.Detach(columns), height, width, keepProbability);
    }

    /// <summary>Masks <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1: float32 [count, H, W] in [0, 1].</summary>
    public Tensor Batch(long start, long count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"masks {start}..{start + count - 1} are outside 0..{Count - 1}");
        using var scope = DisposeScope.Enter();
        // Rows shift..shift + H of R_y and columns shift..shift + W of R_x for each mask: [count, H, s], [count, W, s].
        var rowIndex = RowShifts.Narrow(0, start, count).Unsqueeze(1).Add(Tensor.Arange(Height, ScalarType.Int64)).Flatten();
        var columnIndex = ColumnShifts.Narrow(0, start, count).Unsqueeze(1).Add(Tensor.Arange(Width, ScalarType.Int64)).Flatten();
        var ry = _rows.IndexSelect(0, rowIndex).View(count, Height, -1);
        var rx = _columns.IndexSelect(0, columnIndex).View(count, Width, -1);
        // M = R_y · G · R_xᵀ: the bilinear upsampling (separable) and the crop in two batched products, in float32 even
        // inside a bfloat16 region (the masks are data, not a network layer).
        using var float32 = Autocast.Float32Region();
        return scope.Keep(ry.Bmm(Grids.Narrow(0, start, count)).Bmm(rx.Transpose(1, 2)));
    }

    /// <summary>
    /// The [output, input] matrix of 1-D linear interpolation from <paramref name="input"/> samples to
    /// <paramref name="output"/> with half-pixel centres and mirror boundaries (<c>scipy.ndimage.zoom(order=1,
    /// mode="mirror", grid_mode=True)</c>), computed in float64 and returned as float32.
    /// </summary>
    internal static Tensor ResizeMatrix(long input, long output)
    {
        using var scope = DisposeScope.Enter();
        var last = (double)(input - 1);
        var src = Tensor.Arange(output, ScalarType.Float64).Add(0.5).Mul((double)input / output).Sub(0.5);
        // scipy's "mirror": reflect about the first and last sample (−x below 0, 2(n − 1) − x above n − 1).
        src = Tensor.Where(src.Lt(0), src.Neg(), src);
        src = Tensor.Where(src.Gt(last), src.Neg().Add(2 * last), src);
        var i0 = src.Floor().Clamp(0, last);
        var frac = src.Sub(i0).Unsqueeze(1);
        var lo = i0.To(ScalarType.Int64);
        var hi = lo.Add(1).ClampMax(input - 1);
        var matrix = Functional.OneHot(lo, input).To(ScalarType.Float64).Mul(frac.Neg().Add(1))
            .Add(Functional.OneHot(hi, input).To(ScalarType.Float64).Mul(frac));
        return scope.Keep(matrix.To(ScalarType.Float32));
    }

    /// <summary>Frees the grids, offsets and interpolation matrices.</summary>
    public void Dispose()
    {
        Grids.Dispose();
        RowShifts.Dispose();
        ColumnShifts.Dispose();
        _rows.Dispose();
        _columns.Dispose();
    }
}
