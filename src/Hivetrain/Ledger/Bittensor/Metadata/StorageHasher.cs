namespace Hivetrain.Ledger.Bittensor.Metadata;

/// <summary>How a storage map hashes a key, in metadata order.</summary>
public enum StorageHasher : byte
{
    Blake2_128,
    Blake2_256,
    Blake2_128Concat,
    Twox128,
    Twox256,
    Twox64Concat,
    Identity,
}
