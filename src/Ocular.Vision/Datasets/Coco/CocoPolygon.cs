namespace Ocular.Vision.Datasets.Coco;

/// <summary>
/// pycocotools' polygon rasteriser (<c>maskApi.c</c>'s <c>rleFrPoly</c>, and <c>rleFrBbox</c> on top of it), written
/// here with the same integer and double arithmetic step by step, so that a COCO polygon gives the published mask bit
/// for bit (OpenCV's <c>fillPoly</c> decides boundary pixels differently).
/// </summary>
/// <remarks>
/// The algorithm: the vertices are scaled by 5 and rounded; every edge is walked one step at a time along its longer
/// axis on that 5× grid; wherever the walk crosses the centre line of a pixel column, the first pixel row whose centre
/// lies below the edge is a boundary point; sorted in column-major order, those points are where the mask switches
/// between 0 and 1. A point on the same position twice cancels out. Vertices outside the image are clipped: columns
/// outside <c>[0, width)</c> are ignored and rows are clamped to <c>[0, height]</c>.
/// </remarks>
public static class CocoPolygon
{
    private const double Scale = 5;

    /// <summary>The mask of one polygon <c>x0, y0, x1, y1, …</c> in an image of <paramref name="height"/>×<paramref name="width"/>.</summary>
    /// <exception cref="ArgumentException">The coordinates are not pairs, or one is not finite.</exception>
    public static CocoRle ToRle(ReadOnlySpan<double> xy, int height, int width)
    {
        if (xy.Length % 2 != 0) throw new ArgumentException($"a polygon needs x, y pairs, got {xy.Length} values", nameof(xy));
        foreach (var c in xy)
            if (!double.IsFinite(c) || Math.Abs(c) > 1e6) throw new ArgumentException($"polygon coordinate {c} is not a usable pixel coordinate", nameof(xy));
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);

        // The vertices on the 5× grid, closed.
        var k = xy.Length / 2;
        var x = new int[k + 1];
        var y = new int[k + 1];
        for (var j = 0; j < k; j++)
        {
            x[j] = (int)(Scale * xy[2 * j] + .5);
            y[j] = (int)(Scale * xy[2 * j + 1] + .5);
        }
        x[k] = x[0];
        y[k] = y[0];

        var (u, v) = WalkEdges(x, y, k);
        var (columns, rows) = ColumnCrossings(u, v, height, width);
        return new CocoRle(height, width, RunLengths(columns, rows, height, width));
    }

    /// <summary>The mask of a box (x, y, width, height) as pycocotools reads one (<c>rleFrBbox</c>: the polygon of its four corners).</summary>
    public static CocoRle BoxToRle(double x, double y, double boxWidth, double boxHeight, int height, int width)
    {
        double xs = x, xe = xs + boxWidth, ys = y, ye = ys + boxHeight;
        return ToRle([xs, ys, xs, ye, xe, ye, xe, ys], height, width);
    }

    // Every grid point along the closed outline: each edge walked one unit at a time along its longer axis, the other
    // coordinate rounded. An edge is always walked from the lower to the higher end of its long axis and its points
    // stored in the edge's own direction, so the result does not depend on which way the edge slopes.
    private static (int[] U, int[] V) WalkEdges(int[] x, int[] y, int k)
    {
        var m = 0L;
        for (var j = 0; j < k; j++) m += Math.Max(Math.Abs(x[j] - x[j + 1]), Math.Abs(y[j] - y[j + 1])) + 1;
        var u = new int[m];
        var v = new int[m];
        var n = 0;
        for (var j = 0; j < k; j++)
        {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
            if (dx == 0 && dy == 0)
            {
                // A zero-length edge is one point (maskApi.c computes its other coordinate as 0/0, a value that is never
                // read: the points before and after it lie in the same column).
                u[n] = xs;
                v[n] = ys;
                n++;
                continue;
            }
            var flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) (xs, xe, ys, ye) = (xe, xs, ye, ys);
            if (dx >= dy)
            {
                var s = (double)(ye - ys) / dx;
                for (var d = 0; d <= dx; d++)
                {
                    var t = flip ? dx - d : d;
                    u[n] = t + xs;
                    v[n] = (int)(ys + s * t + .5);
                    n++;
                }
            }
            else
            {
                var s = (double)(xe - xs) / dy;
                for (var d = 0; d <= dy; d++)
                {
                    var t = flip ? dy - d : d;
                    v[n] = t + ys;
                    u[n] = (int)(xs + s * t + .5);
                    n++;
                }
            }
        }
        return (u, v);
    }

    // Where the outline crosses the centre of a pixel column (a grid x of 5·c + 2): that column, and the first row whose
    // centre is at or below the crossing (clamped to [0, height]). Crossings outside the image's columns are dropped.
    private static (List<int> Columns, List<int> Rows) ColumnCrossings(int[] u, int[] v, int height, int width)
    {
        var columns = new List<int>();
        var rows = new List<int>();
        for (var j = 1; j < u.Length; j++)
        {
            if (u[j] == u[j - 1]) continue;
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / Scale - .5;
            if (Math.Floor(xd) != xd || xd < 0 || xd > width - 1) continue;
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / Scale - .5;
            if (yd < 0) yd = 0;
            else if (yd > height) yd = height;
            yd = Math.Ceiling(yd);
            columns.Add((int)xd);
            rows.Add((int)yd);
        }
        return (columns, rows);
    }

    // The crossings as column-major positions, sorted: the mask toggles at each one. Differences give the run lengths;
    // a zero difference (two toggles at one position) cancels, joining the runs on either side.
    private static uint[] RunLengths(List<int> columns, List<int> rows, int height, int width)
    {
        var k = columns.Count;
        var a = new uint[k + 1];
        for (var j = 0; j < k; j++) a[j] = (uint)(columns[j] * height + rows[j]);
        a[k++] = (uint)((long)height * width);
        Array.Sort(a);
        uint previous = 0;
        for (var j = 0; j < k; j++)
        {
            var t = a[j];
            a[j] -= previous;
            previous = t;
        }
        var b = new uint[k];
        var m = 0;
        var i = 0;
        b[m++] = a[i++];
        while (i < k)
        {
            if (a[i] > 0)
            {
                b[m++] = a[i++];
            }
            else
            {
                i++;
                if (i < k) b[m - 1] += a[i++];
            }
        }
        return b[..m];
    }
}
