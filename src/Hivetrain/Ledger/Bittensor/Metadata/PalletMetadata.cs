namespace Hivetrain.Ledger.Bittensor.Metadata;

/// <summary>A pallet: its index (first call byte), call enum type, storage entries and constants.</summary>
public sealed record PalletMetadata(
    string Name,
    byte Index,
    uint? CallType,
    string? StoragePrefix,
    IReadOnlyList<StorageEntry> Storage,
    IReadOnlyList<PalletConstant> Constants);

/// <summary>A storage item: plain (no hashers) or a map with one hasher per key.</summary>
public sealed record StorageEntry(string Name, bool HasDefault, IReadOnlyList<StorageHasher> Hashers, uint? KeyType, uint ValueType, byte[] Default);

/// <summary>A pallet constant and its SCALE-encoded value.</summary>
public sealed record PalletConstant(string Name, uint Type, byte[] Value);

/// <summary>A signed (transaction) extension: its explicit part goes in the extrinsic, its implicit part only in the signed payload.</summary>
public sealed record SignedExtension(string Identifier, uint Type, uint AdditionalSignedType);

/// <summary>A runtime API method (metadata V15): the <c>state_call</c> name is <c>Api_method</c>.</summary>
public sealed record RuntimeApiMethod(string Api, string Name, IReadOnlyList<(string Name, uint Type)> Inputs, uint OutputType);
