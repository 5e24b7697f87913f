namespace Ocular.Vision.Tests;

/// <summary>
/// Tests that touch process-wide state (the global generator, the thread count) or measure process-wide memory run in this
/// collection, which xunit never runs in parallel with other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalStateCollection
{
    public const string Name = "global libtorch state";
}
