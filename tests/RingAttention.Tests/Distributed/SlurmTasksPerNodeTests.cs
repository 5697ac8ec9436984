using RingAttention.Distributed;

namespace RingAttention.Tests.Distributed;

public sealed class SlurmTasksPerNodeTests
{
    [Theory]
    [InlineData("4", 0, 4)]
    [InlineData("4(x2)", 0, 4)]
    [InlineData("4(x2)", 1, 4)]
    [InlineData("2,1", 0, 2)]
    [InlineData("2,1", 1, 1)]
    [InlineData("3(x2),1", 0, 3)]
    [InlineData("3(x2),1", 1, 3)]
    [InlineData("3(x2),1", 2, 1)]
    [InlineData("1,2(x3),5", 4, 5)]
    [InlineData("1,2(x3),5", 3, 2)]
    public void Count_of_a_node_follows_the_repeats(string list, int node, int expected)
    {
        Assert.Equal(expected, SlurmTasksPerNode.CountOn(list, node));
    }

    [Theory]
    [InlineData("4", 1, "it covers 1 node(s), not node 1")]
    [InlineData("3(x2),1", 3, "it covers 3 node(s), not node 3")]
    [InlineData("4(2)", 0, "'4(2)' is neither 'N' nor 'N(xM)'")]
    [InlineData("4(x2", 0, "'4(x2' is neither 'N' nor 'N(xM)'")]
    [InlineData("4(x)", 0, "'4(x)' is neither 'N' nor 'N(xM)'")]
    [InlineData("four", 0, "'four' is not a positive count")]
    [InlineData("0", 0, "'0' is not a positive count")]
    [InlineData("2,,1", 1, "'' is not a positive count")]
    [InlineData("3(x0),1", 0, "'0' is not a positive count")]
    public void Malformed_or_short_lists_say_what_is_wrong(string list, int node, string reason)
    {
        FormatException e = Assert.Throws<FormatException>(() => SlurmTasksPerNode.CountOn(list, node));
        Assert.Equal(reason, e.Message);
    }
}
