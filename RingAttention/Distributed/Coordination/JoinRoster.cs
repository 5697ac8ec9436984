namespace RingAttention.Distributed.Coordination;

/// <summary>
/// Rank 0's list of who checked in: which check-ins to accept, when the job is complete, whether the ranks agree,
/// and who is missing. Pure bookkeeping: the server decides what to send and serializes the calls.
/// </summary>
internal sealed class JoinRoster
{
    private readonly string _jobId;
    private readonly string _coordinator;
    private readonly Hello?[] _hellos;
    private readonly string?[] _peers;

    /// <summary>An empty roster of <paramref name="worldSize"/> places for job <paramref name="jobId"/>, served at <paramref name="coordinator"/>.</summary>
    public JoinRoster(string jobId, int worldSize, string coordinator)
    {
        _jobId = jobId;
        _coordinator = coordinator;
        _hellos = new Hello?[worldSize];
        _peers = new string?[worldSize];
    }

    /// <summary>Number of places.</summary>
    public int WorldSize => _hellos.Length;

    /// <summary>True once every place is taken.</summary>
    public bool IsComplete => Array.TrueForAll(_hellos, hello => hello is not null);

    /// <summary>The ranks that checked in, in ascending order.</summary>
    public IEnumerable<int> Joined => Enumerable.Range(0, WorldSize).Where(rank => _hellos[rank] is not null);

    /// <summary>
    /// Why this connection alone is turned away (another protocol version, another job), or null if it belongs to
    /// this job. Such a connection says nothing about this job's ranks, so the job still forms without it.
    /// </summary>
    public string? Refusal(Hello hello, string peer)
    {
        if (hello.ProtocolVersion != Hello.CurrentProtocolVersion)
        {
            return CoordinatorText.Format(
                $"{peer} speaks coordinator protocol {hello.ProtocolVersion} but rank 0's coordinator at {_coordinator} speaks {Hello.CurrentProtocolVersion}: mixed library versions.");
        }

        return hello.JobId == _jobId
            ? null
            : CoordinatorText.Format($"rank {hello.Rank} asked to join job \"{hello.JobId}\" but the coordinator at {_coordinator} serves job \"{_jobId}\".");
    }

    /// <summary>
    /// Gives <paramref name="hello"/> (of this job, from <paramref name="peer"/>) its place and returns null, or
    /// returns why the ranks were launched inconsistently and the job cannot form.
    /// </summary>
    public string? CheckIn(Hello hello, string peer)
    {
        if (hello.WorldSize != WorldSize)
        {
            return CoordinatorText.Format($"world sizes disagree: rank {hello.Rank} says {hello.WorldSize}, rank 0 says {WorldSize}.");
        }

        if (hello.Rank < 0 || hello.Rank >= WorldSize)
        {
            return CoordinatorText.Format(
                $"rank {hello.Rank} (from {peer}) is out of range: the world size is {WorldSize}, so ranks are 0 to {WorldSize - 1}.");
        }

        if (_hellos[hello.Rank] is not null)
        {
            return CoordinatorText.Format(
                $"rank {hello.Rank} checked in twice, from {_peers[hello.Rank]} and from {peer}: two processes were given the same rank.");
        }

        _hellos[hello.Rank] = hello;
        _peers[hello.Rank] = peer;
        return null;
    }

    /// <summary>Null if every rank has the same fingerprint; else which ranks have which value, most common value first.</summary>
    public string? FingerprintDisagreement()
    {
        var groups = Joined.GroupBy(rank => _hellos[rank]!.Fingerprint, StringComparer.Ordinal)
            .OrderByDescending(group => group.Count())
            .ThenBy(group => group.Min())
            .ToList();
        if (groups.Count <= 1)
        {
            return null;
        }

        IEnumerable<string> parts = groups.Select(group =>
            CoordinatorText.Format($"{CoordinatorText.Ranks(group)} {(group.Count() == 1 ? "has" : "have")} \"{group.Key}\""));
        return "ranks disagree on the job fingerprint: " + string.Join("; ", parts) + ".";
    }

    /// <summary>"ranks 2, 3 of 4 did not join within 60 s (joined: 0, 1)".</summary>
    public string MissingRanks(TimeSpan joinTimeout)
    {
        int[] missing = [.. Enumerable.Range(0, WorldSize).Where(rank => _hellos[rank] is null)];
        string joined = string.Join(", ", Joined);
        return CoordinatorText.Format(
            $"{CoordinatorText.Ranks(missing)} of {WorldSize} did not join within {CoordinatorText.Seconds(joinTimeout)} (joined: {(joined.Length == 0 ? "none" : joined)}).");
    }
}
