using System.Text;
using System.Text.Json.Nodes;

namespace Hivetrain.Tests.Model;

/// <summary>
/// An independent safetensors writer for tests, straight from the format description: 8-byte little-endian header
/// length, JSON header with dtype/shape/data_offsets per tensor, space padding, then the raw little-endian bytes.
/// </summary>
internal static class HandWrittenSafeTensors
{
    public sealed record Tensor(string Name, string Dtype, long[] Shape, byte[] Data);

    public static Tensor Floats(string name, long[] shape, Func<int, float> value)
    {
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        var data = new byte[count * 4];
        for (int i = 0; i < count; i++) BitConverter.TryWriteBytes(data.AsSpan(i * 4), value(i));
        return new Tensor(name, "F32", shape, data);
    }

    public static byte[] Build(IEnumerable<Tensor> tensors)
    {
        var header = new JsonObject();
        var data = new MemoryStream();
        foreach (var t in tensors)
        {
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.Dtype,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(data.Length, data.Length + t.Data.Length),
            };
            data.Write(t.Data);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var file = new MemoryStream();
        file.Write(BitConverter.GetBytes((ulong)padded));
        file.Write(json);
        for (int i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
        file.Write(data.ToArray());
        return file.ToArray();
    }
}
