using System.Buffers.Binary;
using System.Text;

namespace Hivetrain.Tests.Artifacts;

/// <summary>Builds safetensors byte images by hand, including malformed ones.</summary>
internal static class SafeTensorsFiles
{
    /// <summary>8-byte length (or <paramref name="declaredLength"/>), the header text, then <paramref name="data"/>.</summary>
    public static byte[] Raw(string header, byte[]? data = null, ulong? declaredLength = null) =>
        Raw(Encoding.UTF8.GetBytes(header), data, declaredLength);

    public static byte[] Raw(byte[] header, byte[]? data = null, ulong? declaredLength = null)
    {
        data ??= [];
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>A valid file with one F32 tensor "a" of shape [2].</summary>
    public static byte[] OneTensor() => Raw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[8]);
}
