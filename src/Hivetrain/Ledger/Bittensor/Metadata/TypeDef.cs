namespace Hivetrain.Ledger.Bittensor.Metadata;

// The scale-info type registry, as metadata V14/V15 carry it. Kept together: each is a few lines and they only
// make sense as one sum type.

/// <summary>A type's shape in the metadata's portable registry.</summary>
public abstract record TypeDef;

/// <summary>A struct (named fields) or tuple struct (unnamed fields).</summary>
public sealed record CompositeDef(IReadOnlyList<FieldDef> Fields) : TypeDef;

/// <summary>An enum; variants are addressed by their index byte, not their position.</summary>
public sealed record VariantTypeDef(IReadOnlyList<VariantDef> Variants) : TypeDef;

/// <summary>Vec&lt;T&gt;.</summary>
public sealed record SequenceDef(uint ElementType) : TypeDef;

/// <summary>[T; N].</summary>
public sealed record ArrayDef(uint Length, uint ElementType) : TypeDef;

/// <summary>(A, B, …).</summary>
public sealed record TupleDef(IReadOnlyList<uint> Elements) : TypeDef;

/// <summary>A primitive type.</summary>
public sealed record PrimitiveDef(Primitive Kind) : TypeDef;

/// <summary>Compact&lt;T&gt;.</summary>
public sealed record CompactDef(uint Inner) : TypeDef;

/// <summary>BitVec&lt;Store, Order&gt;.</summary>
public sealed record BitSequenceDef(uint StoreType, uint OrderType) : TypeDef;

/// <summary>A struct or variant field.</summary>
public sealed record FieldDef(string? Name, uint Type, string? TypeName);

/// <summary>An enum variant with its SCALE index.</summary>
public sealed record VariantDef(string Name, IReadOnlyList<FieldDef> Fields, byte Index);

/// <summary>A registry entry: id, Rust path (e.g. pallet_subtensor::rpc_info::neuron_info::NeuronInfoLite) and shape.</summary>
public sealed record PortableType(uint Id, IReadOnlyList<string> Path, TypeDef Def);

/// <summary>scale-info primitive kinds, in their SCALE order.</summary>
public enum Primitive : byte { Bool, Char, Str, U8, U16, U32, U64, U128, U256, I8, I16, I32, I64, I128, I256 }
