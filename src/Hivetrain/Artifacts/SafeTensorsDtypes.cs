using System.Collections.Frozen;
using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>Sizes, names and TorchSharp equivalents of <see cref="SafeTensorsDtype"/>.</summary>
public static class SafeTensorsDtypes
{
    private static readonly FrozenDictionary<string, SafeTensorsDtype> ByName =
        Enum.GetValues<SafeTensorsDtype>().ToFrozenDictionary(d => d.ToString(), StringComparer.Ordinal);

    /// <summary>Size of one element in bits (sub-byte types exist: F4, F6_*).</summary>
    public static int BitSize(this SafeTensorsDtype dtype) => dtype switch
    {
        SafeTensorsDtype.F4 => 4,
        SafeTensorsDtype.F6_E2M3 or SafeTensorsDtype.F6_E3M2 => 6,
        SafeTensorsDtype.BOOL or SafeTensorsDtype.U8 or SafeTensorsDtype.I8 or SafeTensorsDtype.F8_E5M2
            or SafeTensorsDtype.F8_E4M3 or SafeTensorsDtype.F8_E8M0 or SafeTensorsDtype.F8_E4M3FNUZ
            or SafeTensorsDtype.F8_E5M2FNUZ => 8,
        SafeTensorsDtype.I16 or SafeTensorsDtype.U16 or SafeTensorsDtype.F16 or SafeTensorsDtype.BF16 => 16,
        SafeTensorsDtype.I32 or SafeTensorsDtype.U32 or SafeTensorsDtype.F32 => 32,
        SafeTensorsDtype.C64 or SafeTensorsDtype.F64 or SafeTensorsDtype.I64 or SafeTensorsDtype.U64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The dtype spelled exactly as in a header (case-sensitive), or false.</summary>
    public static bool TryParse(string name, out SafeTensorsDtype dtype) => ByName.TryGetValue(name, out dtype);

    /// <summary>The TorchSharp scalar type holding this dtype's bytes unchanged, or false where there is none.</summary>
    public static bool TryToScalarType(this SafeTensorsDtype dtype, out torch.ScalarType type)
    {
        torch.ScalarType? t = dtype switch
        {
            SafeTensorsDtype.BOOL => torch.ScalarType.Bool,
            SafeTensorsDtype.U8 => torch.ScalarType.Byte,
            SafeTensorsDtype.I8 => torch.ScalarType.Int8,
            SafeTensorsDtype.I16 => torch.ScalarType.Int16,
            SafeTensorsDtype.F16 => torch.ScalarType.Float16,
            SafeTensorsDtype.BF16 => torch.ScalarType.BFloat16,
            SafeTensorsDtype.I32 => torch.ScalarType.Int32,
            SafeTensorsDtype.F32 => torch.ScalarType.Float32,
            SafeTensorsDtype.C64 => torch.ScalarType.ComplexFloat32,
            SafeTensorsDtype.F64 => torch.ScalarType.Float64,
            SafeTensorsDtype.I64 => torch.ScalarType.Int64,
            _ => null,
        };
        type = t.GetValueOrDefault();
        return t.HasValue;
    }

    /// <summary>The safetensors dtype of a TorchSharp scalar type.</summary>
    public static SafeTensorsDtype FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Bool => SafeTensorsDtype.BOOL,
        torch.ScalarType.Byte => SafeTensorsDtype.U8,
        torch.ScalarType.Int8 => SafeTensorsDtype.I8,
        torch.ScalarType.Int16 => SafeTensorsDtype.I16,
        torch.ScalarType.Float16 => SafeTensorsDtype.F16,
        torch.ScalarType.BFloat16 => SafeTensorsDtype.BF16,
        torch.ScalarType.Int32 => SafeTensorsDtype.I32,
        torch.ScalarType.Float32 => SafeTensorsDtype.F32,
        torch.ScalarType.ComplexFloat32 => SafeTensorsDtype.C64,
        torch.ScalarType.Float64 => SafeTensorsDtype.F64,
        torch.ScalarType.Int64 => SafeTensorsDtype.I64,
        _ => throw new NotSupportedException($"no safetensors dtype for {type}"),
    };
}
