using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// The digest that names a model's (or an outer momentum's) exact bits in the merge record: lowercase hex SHA-256 over
/// the tensors in ordinal order of their names, each as its name in UTF-8, a zero byte, and its values as little-endian
/// f32. A participant that rebuilt a base compares it with the digest the averager computed from what it published.
/// </summary>
public static class ParameterDigest
{
    /// <summary>The digest of <paramref name="tensors"/> (f32, any device).</summary>
    public static string Of(IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in tensors.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData([0]);
            if (MergeStep.IsCpuFloat32(tensor))
            {
                hash.AppendData(tensor.bytes);
                continue;
            }
            using var copy = MergeStep.CpuCopy(name, tensor);
            hash.AppendData(copy.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
