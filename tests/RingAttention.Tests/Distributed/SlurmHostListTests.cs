using RingAttention.Distributed;

namespace RingAttention.Tests.Distributed;

public sealed class SlurmHostListTests
{
    [Theory]
    [InlineData("node07", "node07")]
    [InlineData("node[01-04,07]", "node01")]
    [InlineData("node[07,01-04]", "node07")]
    [InlineData("gpu-[3,5-6],cpu01", "gpu-3")]
    [InlineData("cpu01,gpu-[3,5-6]", "cpu01")]
    [InlineData("a[1-2]b[3-4]", "a1b3")]
    [InlineData("rack[002-010]-n[0001]", "rack002-n0001")]
    [InlineData("h[9]", "h9")]
    [InlineData("10.0.0.5", "10.0.0.5")]
    public void First_host_is_the_first_value_of_every_range_with_its_padding(string list, string expected)
    {
        Assert.Equal(expected, SlurmHostList.First(list));
    }

    [Theory]
    [InlineData("node[01-04", "'[' at offset 4 is never closed")]
    [InlineData("node01]", "']' at offset 6 closes no '['")]
    [InlineData("node[]", "the range list '[]' at offset 4 does not start with a number")]
    [InlineData("node[a-b]", "the range list '[a-b]' at offset 4 does not start with a number")]
    [InlineData(",node01", "the first host is empty")]
    [InlineData("", "the first host is empty")]
    public void Malformed_lists_say_what_is_wrong(string list, string reason)
    {
        FormatException e = Assert.Throws<FormatException>(() => SlurmHostList.First(list));
        Assert.Equal(reason, e.Message);
    }
}
