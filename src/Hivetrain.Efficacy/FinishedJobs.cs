using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hivetrain.Efficacy;

/// <summary>
/// The jobs of a run that have finished, each kept as its own file in <c>OUT/jobs/</c> the moment it ends, so that a run
/// stopped at any instant (a kill, a crash, a machine going down) goes on with <c>--resume</c> from every job it had
/// finished instead of from the start: a full comparison is 40-odd minutes of jobs.
/// A job's file is named by a hash of everything that decides its figures: the initial model's bits, the corpus, the
/// job's options (the output folder, <c>--parallel</c> and the token cache aside, which change no figure), the
/// condition, the seed, whether it is a sweep's trial, and the libtorch thread count (another count rounds floats
/// otherwise). A resumed run with other settings therefore finds no file for a job whose figures would differ and trains
/// it again; it never takes a stale one. Files are written as the roles write their state (<c>DurableFile</c>), so a kill
/// or a power loss leaves a whole file or none; one that does not read back (edited, say) is named and trained again.
/// </summary>
public sealed class FinishedJobs
{
    public const string FolderName = "jobs";

    private readonly string _folder;
    private readonly string _runIdentity;

    /// <param name="outputFolder">the run's output folder; the jobs go to its <see cref="FolderName"/> folder</param>
    /// <param name="initialModelDigest">the digest of the model every condition starts from</param>
    /// <param name="corpusDescription">what the corpus is (its source, and whether its tokens were renumbered)</param>
    public FinishedJobs(string outputFolder, string initialModelDigest, string corpusDescription)
    {
        _folder = Path.Combine(outputFolder, FolderName);
        Directory.CreateDirectory(_folder);
        _runIdentity = $"efficacy-job-v1\n{initialModelDigest}\n{corpusDescription}\n";
    }

    /// <summary>How many finished jobs the folder holds (of this run's settings or not).</summary>
    public int Count => Directory.EnumerateFiles(_folder, "*.json").Count();

    /// <summary>The records and seconds of <paramref name="job"/> if it finished before; null if not (or its file does not read back: <paramref name="problem"/> says why).</summary>
    internal (IReadOnlyList<EfficacyRoundRecord> Rounds, double Seconds)? TryRead(EfficacyRun.ConditionJob job, out string? problem)
    {
        problem = null;
        var path = PathOf(job);
        if (!File.Exists(path)) return null;
        try
        {
            var saved = JsonSerializer.Deserialize<SavedJob>(File.ReadAllText(path), EfficacyLog.Json);
            int rounds = job.Setup.Options.Rounds + 1;
            if (saved?.Rounds is not { } records || records.Count != rounds || records.Any(r => r.Condition != job.Condition.Id || r.Seed != job.Setup.Seed))
                throw new JsonException($"expected {rounds} round records of {job.Condition.Id}, seed {job.Setup.Seed}");
            return (records, saved.Seconds);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            problem = $"{path} does not read back ({e.Message}); trained again";
            return null;
        }
    }

    /// <summary>Keeps <paramref name="job"/>'s records (a durable write: beside the file, flushed, renamed onto it).</summary>
    internal void Save(EfficacyRun.ConditionJob job, IReadOnlyList<EfficacyRoundRecord> rounds, double seconds) =>
        Storage.DurableFile.Write(PathOf(job), JsonSerializer.SerializeToUtf8Bytes(new SavedJob(seconds, rounds), EfficacyLog.Json));

    private string PathOf(EfficacyRun.ConditionJob job) => Path.Combine(_folder, KeyOf(job) + ".json");

    private string KeyOf(EfficacyRun.ConditionJob job)
    {
        var options = job.Setup.Options with { OutputDirectory = "", Parallel = 1, CacheDirectory = null, Resume = false };
        var identity = new StringBuilder(_runIdentity)
            .Append(JsonSerializer.Serialize(options, EfficacyLog.Json)).Append('\n')
            .Append(JsonSerializer.Serialize(job.Condition, EfficacyLog.Json)).Append('\n')
            .Append(job.Setup.Seed).Append('\n')
            .Append(job.Setup.SelectionSample is not null).Append('\n')
            .Append(TorchSharp.torch.get_num_threads());
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())))[..32];
    }

    private sealed record SavedJob(double Seconds, IReadOnlyList<EfficacyRoundRecord> Rounds);
}
