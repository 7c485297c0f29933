using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Training;

/// <summary>
/// The token ids a trainer's windows have held since its model was last at a base (<see cref="Reset"/>), and what a
/// miner does with them before it takes its delta: <see cref="RestoreUnseenRows"/> puts the token embedding's rows of the
/// ids it never trained on back to the base. Why: the LM head is the token embedding, so every id that a miner's data lacks gets only push-down gradients,
/// which AdamW normalizes into full-size steps. With data that differ between miners (a name, a time phrase of one
/// dialect), each token's row is pushed down by every miner but the ones that saw it, and the merged mean pushes down
/// what the mixture needs: DiLoCo's first round raised the report loss from 2.30 to 2.95, and with the unseen rows
/// restored to 2.42 only (docs/efficacy.md, "Unseen token rows"). A row no window held carries no evidence about the data, only
/// the softmax's pressure, so the miner leaves it to the miners whose data hold the token.
/// </summary>
public sealed class SeenTokens
{
    private readonly bool[] _seen;

    public SeenTokens(int vocab)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocab, 1);
        _seen = new bool[vocab];
    }

    /// <summary>Size of the vocabulary tracked.</summary>
    public int Vocab => _seen.Length;

    /// <summary>Distinct ids seen.</summary>
    public int Count { get; private set; }

    /// <summary>Whether <paramref name="id"/> was seen.</summary>
    public bool Contains(int id) => (uint)id < (uint)_seen.Length && _seen[id];

    /// <summary>Marks every id of <paramref name="ids"/> (a window's inputs and targets) as seen.</summary>
    public void Mark(ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_seen.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is outside the vocabulary of {_seen.Length}");
            if (_seen[id]) continue;
            _seen[id] = true;
            Count++;
        }
    }

    /// <summary>
    /// Marks exactly the ids whose token-embedding row in <paramref name="parameters"/> differs from <paramref name="base"/>:
    /// after a rebase, the rows of the progress carried over (none when the model is the base); after a resume, the
    /// published delta's rows. The rows a miner restored equal the base, so they start unmarked.
    /// </summary>
    public void Reset(IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyDictionary<string, Tensor> @base)
    {
        var embedding = Embedding(parameters);
        Array.Clear(_seen);
        Count = 0;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var moved = embedding.ne(@base[ParameterShape.TokenEmbedding].to(embedding.dtype, embedding.device)).any(1).cpu();
        Mark(torch.nonzero(moved).flatten().data<long>().Select(id => (int)id).ToArray());
    }

    /// <summary>
    /// Copies the rows of <see cref="ParameterShape.TokenEmbedding"/> of every id not seen from <paramref name="base"/> into
    /// <paramref name="parameters"/> (in place, without gradient); returns how many rows it restored. With
    /// <paramref name="idsInData"/> (the ids the data that miners train on holds at all) only those: an id no miner's data
    /// holds is pushed down by every miner alike, as by training on all the data, and averaging that loses nothing
    /// (measured with GPT-2's vocabulary on a corpus of 386 ids: restoring those rows too cost the network 0.8% and
    /// DiLoCo 4.4%).
    /// </summary>
    public int RestoreUnseenRows(IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyDictionary<string, Tensor> @base,
        IReadOnlyList<bool>? idsInData = null)
    {
        var embedding = Embedding(parameters);
        // An id past the data's vocabulary (a model with a padded one) is in no data.
        var unseen = Enumerable.Range(0, _seen.Length)
            .Where(id => !_seen[id] && (idsInData is null || id < idsInData.Count && idsInData[id]))
            .Select(id => (long)id).ToArray();
        if (unseen.Length == 0) return 0;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var rows = torch.tensor(unseen, device: embedding.device);
        var restored = @base[ParameterShape.TokenEmbedding].to(embedding.dtype, embedding.device).index_select(0, rows);
        embedding.index_copy_(0, rows, restored);
        return unseen.Length;
    }

    private Tensor Embedding(IReadOnlyDictionary<string, Tensor> parameters)
    {
        var embedding = parameters[ParameterShape.TokenEmbedding];
        if (embedding.shape[0] != _seen.Length)
            throw new ArgumentException($"the token embedding has {embedding.shape[0]} rows, the seen tokens {_seen.Length}", nameof(parameters));
        return embedding;
    }
}
