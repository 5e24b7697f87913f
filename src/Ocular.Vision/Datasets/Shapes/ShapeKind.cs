namespace Ocular.Vision.Datasets.Shapes;

/// <summary>The shapes of the Shapes data set; with <c>Classes = k</c> the first <c>k</c> are used and shape <c>i</c> is class <c>i</c>.</summary>
public enum ShapeKind
{
    /// <summary>A filled disc.</summary>
    Circle,

    /// <summary>A filled square (any rotation).</summary>
    Square,

    /// <summary>A filled equilateral triangle.</summary>
    Triangle,

    /// <summary>A five-pointed star.</summary>
    Star,

    /// <summary>A plus-shaped cross.</summary>
    Cross,

    /// <summary>An annulus: a disc with a hole showing the background.</summary>
    Ring,

    /// <summary>A filled regular hexagon.</summary>
    Hexagon,

    /// <summary>A heart.</summary>
    Heart,
}

/// <summary>The colours of the Shapes data set. <see cref="Red"/> marks the object that decides the class.</summary>
public enum ShapeColour
{
    /// <summary>The deciding object's colour (exactly one red object per image).</summary>
    Red,

    /// <summary>A distractor colour.</summary>
    Green,

    /// <summary>A distractor colour.</summary>
    Blue,

    /// <summary>A distractor colour.</summary>
    Yellow,

    /// <summary>A distractor colour.</summary>
    Magenta,

    /// <summary>A distractor colour.</summary>
    Cyan,
}

/// <summary>One object of a Shapes image, as placed by the generator.</summary>
/// <param name="Shape">Its shape.</param>
/// <param name="Colour">Its colour.</param>
/// <param name="X">Its centre's column, in pixels.</param>
/// <param name="Y">Its centre's row, in pixels.</param>
/// <param name="Radius">The radius of the circle that contains it, in pixels.</param>
/// <param name="Rotation">Its rotation, in radians.</param>
/// <param name="Brightness">The factor (0.85–1) its colour is scaled by.</param>
public sealed record ShapesObject(ShapeKind Shape, ShapeColour Colour, double X, double Y, double Radius, double Rotation, double Brightness)
{
    /// <summary>True for the object that decides the class (the red one).</summary>
    public bool IsEvidence => Colour == ShapeColour.Red;
}
