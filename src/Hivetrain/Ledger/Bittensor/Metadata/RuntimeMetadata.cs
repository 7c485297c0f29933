using Hivetrain.Ledger.Bittensor.Scale;

namespace Hivetrain.Ledger.Bittensor.Metadata;

/// <summary>
/// Runtime metadata V14/V15 (frame-metadata), parsed far enough to address the chain without hard-coding it:
/// the type registry, pallets (indices, calls, storage, constants), the signed-extension list and (V15) the
/// runtime APIs.
/// </summary>
public sealed class RuntimeMetadata
{
    private const uint Magic = 0x6174656d; // "meta"

    public int Version { get; }
    public IReadOnlyDictionary<uint, PortableType> Types { get; }
    public IReadOnlyList<PalletMetadata> Pallets { get; }
    public byte ExtrinsicVersion { get; }
    public IReadOnlyList<SignedExtension> SignedExtensions { get; }
    public IReadOnlyList<RuntimeApiMethod> RuntimeApis { get; }

    private RuntimeMetadata(int version, IReadOnlyDictionary<uint, PortableType> types, IReadOnlyList<PalletMetadata> pallets,
        byte extrinsicVersion, IReadOnlyList<SignedExtension> extensions, IReadOnlyList<RuntimeApiMethod> apis)
    {
        Version = version;
        Types = types;
        Pallets = pallets;
        ExtrinsicVersion = extrinsicVersion;
        SignedExtensions = extensions;
        RuntimeApis = apis;
    }

    /// <summary>
    /// Parses <c>state_getMetadata</c> bytes (starting with "meta") or the <c>Metadata_metadata_at_version</c>
    /// answer (Option&lt;Vec&lt;u8&gt;&gt; around them).
    /// </summary>
    public static RuntimeMetadata Parse(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ScaleReader(bytes);
        if (bytes.Length > 0 && bytes.Span[0] == 1)
        {
            reader.ReadU8();
            var inner = reader.ReadBytes();
            reader.EnsureEnd();
            reader = new ScaleReader(inner);
        }
        if (reader.ReadU32() != Magic) throw new ScaleException(ScaleErrorReason.MetadataMismatch, "metadata does not start with \"meta\"", 0);
        int version = reader.ReadU8();
        if (version is not (14 or 15))
            throw new ScaleException(ScaleErrorReason.MetadataMismatch, $"metadata version {version} is not supported (14 or 15)", 4);

        var types = new Dictionary<uint, PortableType>();
        foreach (var type in reader.ReadVector(ReadPortableType))
            if (!types.TryAdd(type.Id, type))
                throw new ScaleException(ScaleErrorReason.OutOfRange, $"type {type.Id} is defined twice", reader.Offset);
        var pallets = reader.ReadVector(r => ReadPallet(r, version));
        byte extrinsicVersion;
        SignedExtension[] extensions;
        if (version == 14)
        {
            reader.ReadCompact(); // extrinsic type
            extrinsicVersion = reader.ReadU8();
            extensions = reader.ReadVector(ReadExtension);
            reader.ReadCompact(); // runtime type
            reader.EnsureEnd();
            return new RuntimeMetadata(version, types, pallets, extrinsicVersion, extensions, []);
        }
        extrinsicVersion = reader.ReadU8();
        for (int i = 0; i < 4; i++) reader.ReadCompact(); // address, call, signature, extra types
        extensions = reader.ReadVector(ReadExtension);
        reader.ReadCompact(); // runtime type
        var apis = reader.ReadVector(ReadRuntimeApi).SelectMany(m => m).ToArray();
        for (int i = 0; i < 3; i++) reader.ReadCompact(); // outer call, event, error enums
        reader.ReadVector(r => { r.ReadString(); r.ReadCompact(); r.ReadBytes(); return 0; }); // custom map
        reader.EnsureEnd();
        return new RuntimeMetadata(version, types, pallets, extrinsicVersion, extensions, apis);
    }

    /// <summary>The registry's type <paramref name="id"/>, or a MetadataMismatch error.</summary>
    public PortableType Type(uint id) => Types.TryGetValue(id, out var type) ? type : throw Missing($"type {id}");

    /// <summary>The pallet named <paramref name="name"/>, or a MetadataMismatch error.</summary>
    public PalletMetadata Pallet(string name) =>
        Pallets.FirstOrDefault(p => p.Name == name) ?? throw Missing($"pallet {name}");

    /// <summary>(pallet index, call index) of <c>Pallet.call</c>.</summary>
    public (byte Pallet, byte Call) CallIndex(string pallet, string call)
    {
        var p = Pallet(pallet);
        return (p.Index, CallVariant(p, call).Index);
    }

    /// <summary>The call's parameters, in order, to check an encoding against.</summary>
    public IReadOnlyList<FieldDef> CallFields(string pallet, string call) => CallVariant(Pallet(pallet), call).Fields;

    private VariantDef CallVariant(PalletMetadata pallet, string call)
    {
        if (pallet.CallType is not { } callType || Type(callType).Def is not VariantTypeDef calls) throw Missing($"calls of pallet {pallet.Name}");
        return calls.Variants.FirstOrDefault(v => v.Name == call) ?? throw Missing($"call {pallet.Name}.{call}");
    }

    public StorageEntry Storage(string pallet, string item) =>
        Pallet(pallet).Storage.FirstOrDefault(e => e.Name == item) ?? throw Missing($"storage {pallet}.{item}");

    public PalletConstant Constant(string pallet, string name) =>
        Pallet(pallet).Constants.FirstOrDefault(c => c.Name == name) ?? throw Missing($"constant {pallet}.{name}");

    /// <summary>A runtime API method by its <c>state_call</c> name (<c>Api_method</c>), or null in V14.</summary>
    public RuntimeApiMethod? RuntimeApi(string stateCallName) =>
        RuntimeApis.FirstOrDefault(m => $"{m.Api}_{m.Name}" == stateCallName);

    /// <summary>True when values of the type take no bytes (unit, empty structs and tuples, [T; 0]).</summary>
    public bool IsZeroSized(uint typeId) => IsZeroSized(typeId, 0);

    // Types nest a few levels; a registry that nests deeper (or refers to itself) is refused, not followed down the stack.
    private const int MaxTypeDepth = 32;

    private bool IsZeroSized(uint typeId, int depth)
    {
        if (depth > MaxTypeDepth) throw new ScaleException(ScaleErrorReason.OutOfRange, $"type {typeId} nests deeper than {MaxTypeDepth} levels", 0);
        return Type(typeId).Def switch
        {
            CompositeDef c => c.Fields.All(f => IsZeroSized(f.Type, depth + 1)),
            TupleDef t => t.Elements.All(e => IsZeroSized(e, depth + 1)),
            ArrayDef a => a.Length == 0 || IsZeroSized(a.ElementType, depth + 1),
            _ => false,
        };
    }

    private static ScaleException Missing(string what) =>
        new(ScaleErrorReason.MetadataMismatch, $"the runtime metadata has no {what}", 0);

    private static PortableType ReadPortableType(ScaleReader r)
    {
        uint id = (uint)r.ReadCompact();
        var path = r.ReadVector(x => x.ReadString());
        r.ReadVector(x => { x.ReadString(); x.ReadOptionValue(y => y.ReadCompact()); return 0; }); // type parameters
        var def = ReadTypeDef(r);
        r.ReadVector(x => x.ReadString()); // docs
        return new PortableType(id, path, def);
    }

    private static TypeDef ReadTypeDef(ScaleReader r)
    {
        int at = r.Offset;
        return r.ReadU8() switch
        {
            0 => new CompositeDef(r.ReadVector(ReadField)),
            1 => new VariantTypeDef(r.ReadVector(x =>
            {
                var name = x.ReadString();
                var fields = x.ReadVector(ReadField);
                var index = x.ReadU8();
                x.ReadVector(y => y.ReadString());
                return new VariantDef(name, fields, index);
            })),
            2 => new SequenceDef((uint)r.ReadCompact()),
            3 => new ArrayDef(r.ReadU32(), (uint)r.ReadCompact()),
            4 => new TupleDef(r.ReadVector(x => (uint)x.ReadCompact())),
            5 => new PrimitiveDef(ReadPrimitive(r)),
            6 => new CompactDef((uint)r.ReadCompact()),
            7 => new BitSequenceDef((uint)r.ReadCompact(), (uint)r.ReadCompact()),
            var tag => throw new ScaleException(ScaleErrorReason.UnknownVariant, $"type definition kind {tag}", at),
        };
    }

    private static Primitive ReadPrimitive(ScaleReader r)
    {
        var kind = r.ReadU8();
        return kind <= (byte)Primitive.I256 ? (Primitive)kind
            : throw new ScaleException(ScaleErrorReason.UnknownVariant, $"primitive kind {kind}", r.Offset - 1);
    }

    private static FieldDef ReadField(ScaleReader r)
    {
        var name = r.ReadOption(x => x.ReadString());
        var type = (uint)r.ReadCompact();
        var typeName = r.ReadOption(x => x.ReadString());
        r.ReadVector(x => x.ReadString());
        return new FieldDef(name, type, typeName);
    }

    private static PalletMetadata ReadPallet(ScaleReader r, int version)
    {
        var name = r.ReadString();
        string? prefix = null;
        StorageEntry[] storage = [];
        if (ReadSome(r))
        {
            prefix = r.ReadString();
            storage = r.ReadVector(ReadStorageEntry);
        }
        uint? calls = ReadSome(r) ? (uint)r.ReadCompact() : null;
        if (ReadSome(r)) r.ReadCompact(); // events
        var constants = r.ReadVector(x =>
        {
            var c = new PalletConstant(x.ReadString(), (uint)x.ReadCompact(), x.ReadBytes());
            x.ReadVector(y => y.ReadString());
            return c;
        });
        if (ReadSome(r)) r.ReadCompact(); // errors
        var index = r.ReadU8();
        if (version >= 15) r.ReadVector(x => x.ReadString());
        return new PalletMetadata(name, index, calls, prefix, storage, constants);
    }

    private static StorageEntry ReadStorageEntry(ScaleReader r)
    {
        var name = r.ReadString();
        var modifier = r.ReadU8();
        int at = r.Offset;
        StorageEntry entry = r.ReadU8() switch
        {
            0 => new StorageEntry(name, modifier == 1, [], null, (uint)r.ReadCompact(), []),
            1 => new StorageEntry(name, modifier == 1, r.ReadVector(ReadHasher), (uint)r.ReadCompact(), (uint)r.ReadCompact(), []),
            var tag => throw new ScaleException(ScaleErrorReason.UnknownVariant, $"storage entry kind {tag}", at),
        };
        entry = entry with { Default = r.ReadBytes() };
        r.ReadVector(x => x.ReadString());
        return entry;
    }

    private static StorageHasher ReadHasher(ScaleReader r)
    {
        var h = r.ReadU8();
        return h <= (byte)StorageHasher.Identity ? (StorageHasher)h
            : throw new ScaleException(ScaleErrorReason.UnknownVariant, $"storage hasher {h}", r.Offset - 1);
    }

    private static SignedExtension ReadExtension(ScaleReader r) =>
        new(r.ReadString(), (uint)r.ReadCompact(), (uint)r.ReadCompact());

    private static RuntimeApiMethod[] ReadRuntimeApi(ScaleReader r)
    {
        var api = r.ReadString();
        var methods = r.ReadVector(x =>
        {
            var name = x.ReadString();
            var inputs = x.ReadVector(y => (y.ReadString(), (uint)y.ReadCompact()));
            var output = (uint)x.ReadCompact();
            x.ReadVector(y => y.ReadString());
            return new RuntimeApiMethod(api, name, inputs, output);
        });
        r.ReadVector(x => x.ReadString());
        return methods;
    }

    private static bool ReadSome(ScaleReader r) => r.ReadU8() switch
    {
        0 => false,
        1 => true,
        var b => throw new ScaleException(ScaleErrorReason.InvalidTag, $"option tag {b}", r.Offset - 1),
    };
}
