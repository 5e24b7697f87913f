namespace Ocular.Evaluation.Tests;

/// <summary>
/// Tests that touch process-wide state (building zoo models draws from libtorch's global generator) run in
/// this collection, which xunit never runs in parallel with other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalStateCollection
{
    public const string Name = "global libtorch state";
}
