namespace Hivetrain.Efficacy;

/// <summary>
/// A full collection between rounds. A training step leaves a few MB of native tensor memory behind managed wrappers
/// that only the finalizer frees (measured: the train verb's RSS grows ~4 MB per step of the small model), and the GC
/// does not see native memory, so a long comparison ran out of memory without this.
/// </summary>
internal static class TensorGarbage
{
    public static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
