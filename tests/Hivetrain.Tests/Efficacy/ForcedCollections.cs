namespace Hivetrain.Tests.Efficacy;

/// <summary>
/// Tests that run efficacy conditions, which force full garbage collections between rounds (<c>TensorGarbage</c>). A
/// forced collection runs the finalizers of tensors and scalars that other tests still pass to libtorch by handle, so run
/// beside other tests it failed them now and then ("toFloat" on a freed scalar, a crashed test host: 3 of 7 full runs).
/// These tests therefore run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ForcedCollections
{
    public const string Name = "forced collections";
}
