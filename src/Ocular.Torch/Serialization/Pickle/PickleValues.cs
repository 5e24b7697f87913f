using System.Collections;
using System.Numerics;

namespace Ocular.Torch.Serialization.Pickle;

/// <summary>Python-style names of unpickled values, for error messages and reports.</summary>
internal static class PickleValues
{
    /// <summary>The Python type name of an unpickled value: <c>dict</c>, <c>list</c>, <c>tuple</c>, <c>str</c>, <c>int</c>, …</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "None",
        string => "str",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        byte[] => "bytes",
        object?[] => "tuple",
        Tensor => "Tensor",
        ScalarType => "torch.dtype",
        IDictionary => "dict",
        IList => "list",
        ISet<object> => "set",
        PickleCallable c => c.Name,
        _ => value.GetType().Name,
    };
}
