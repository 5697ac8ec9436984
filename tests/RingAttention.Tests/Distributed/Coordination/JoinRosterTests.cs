using RingAttention.Distributed.Coordination;

namespace RingAttention.Tests.Distributed.Coordination;

public sealed class JoinRosterTests
{
    private const string Coordinator = "127.0.0.1:29500";

    [Fact]
    public void The_roster_completes_when_every_rank_checked_in_once()
    {
        var roster = new JoinRoster("job", 3, Coordinator);

        Assert.Null(roster.CheckIn(Hello(2, 3), "a"));
        Assert.Null(roster.CheckIn(Hello(0, 3), "b"));
        Assert.False(roster.IsComplete);
        Assert.Null(roster.CheckIn(Hello(1, 3), "c"));

        Assert.True(roster.IsComplete);
        Assert.Equal([0, 1, 2], roster.Joined);
        Assert.Null(roster.FingerprintDisagreement());
    }

    [Fact]
    public void Missing_ranks_are_listed_with_the_ones_that_joined()
    {
        var roster = new JoinRoster("job", 4, Coordinator);
        Assert.Equal("ranks 0, 1, 2, 3 of 4 did not join within 60 s (joined: none).", roster.MissingRanks(TimeSpan.FromSeconds(60)));

        _ = roster.CheckIn(Hello(1, 4), "a");
        _ = roster.CheckIn(Hello(0, 4), "b");

        Assert.Equal("ranks 2, 3 of 4 did not join within 60 s (joined: 0, 1).", roster.MissingRanks(TimeSpan.FromSeconds(60)));
        Assert.Equal("ranks 2, 3 of 4 did not join within 0.5 s (joined: 0, 1).", roster.MissingRanks(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void A_fingerprint_disagreement_lists_the_majority_value_first()
    {
        var roster = new JoinRoster("job", 4, Coordinator);
        _ = roster.CheckIn(Hello(0, 4, "old"), "a");
        _ = roster.CheckIn(Hello(1, 4, "new"), "b");
        _ = roster.CheckIn(Hello(2, 4, "new"), "c");
        _ = roster.CheckIn(Hello(3, 4, "new"), "d");

        Assert.Equal("ranks disagree on the job fingerprint: ranks 1, 2, 3 have \"new\"; rank 0 has \"old\".", roster.FingerprintDisagreement());
    }

    [Fact]
    public void Inconsistent_launches_fail_the_job_naming_ranks_and_values()
    {
        var roster = new JoinRoster("job", 2, Coordinator);
        Assert.Null(roster.CheckIn(Hello(1), "10.0.0.1:4000"));

        Assert.Equal(
            "rank 1 checked in twice, from 10.0.0.1:4000 and from 10.0.0.2:4000: two processes were given the same rank.",
            roster.CheckIn(Hello(1), "10.0.0.2:4000"));
        Assert.Equal("world sizes disagree: rank 0 says 3, rank 0 says 2.", roster.CheckIn(Hello(0) with { WorldSize = 3 }, "x"));
        Assert.Equal(
            "rank 2 (from x) is out of range: the world size is 2, so ranks are 0 to 1.",
            roster.CheckIn(Hello(2), "x"));
        Assert.Equal([1], roster.Joined);
    }

    [Fact]
    public void Another_job_or_protocol_is_refused_without_taking_a_place()
    {
        var roster = new JoinRoster("job", 2, Coordinator);

        Assert.Equal(
            "rank 1 asked to join job \"other\" but the coordinator at 127.0.0.1:29500 serves job \"job\".",
            roster.Refusal(Hello(1) with { JobId = "other" }, "x"));
        Assert.Equal(
            "x speaks coordinator protocol 9 but rank 0's coordinator at 127.0.0.1:29500 speaks 1: mixed library versions.",
            roster.Refusal(Hello(1) with { ProtocolVersion = 9 }, "x"));
        Assert.Null(roster.Refusal(Hello(1), "x"));
        Assert.Empty(roster.Joined);
    }

    private static Hello Hello(int rank, int worldSize = 2, string fingerprint = "fp") => new(RingAttention.Distributed.Coordination.Hello.CurrentProtocolVersion, "job", rank, worldSize, fingerprint);
}
