namespace Ocular.Torch.Serialization.Pickle;

/// <summary>
/// The allow-list an <see cref="Unpickler"/> consults for GLOBAL, STACK_GLOBAL and INST: it maps a
/// few known names to plain values or <see cref="PickleCallable"/>s and refuses everything else.
/// </summary>
internal interface IPickleGlobals
{
    /// <summary>The value of the global <c>module.name</c>, or null when it is not allowed.</summary>
    object? Find(string module, string name);

    /// <summary>Advice added to the refusal of <c>module.name</c> (e.g. "save the state dict instead"), or null.</summary>
    string? Hint(string module, string name);
}
