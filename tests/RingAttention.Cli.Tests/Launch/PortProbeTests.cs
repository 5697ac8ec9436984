using System.Net;
using System.Net.Sockets;
using RingAttention.Cli.Launch;

namespace RingAttention.Cli.Tests.Launch;

public sealed class PortProbeTests
{
    [Fact]
    public void The_port_found_can_be_bound_right_after()
    {
        int port = PortProbe.FindFreePort("127.0.0.1");

        Assert.InRange(port, 1, 65535);
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
    }

    [Fact]
    public void A_host_name_is_resolved()
    {
        Assert.InRange(PortProbe.FindFreePort("localhost"), 1, 65535);
    }

    [Fact]
    public void An_address_of_another_machine_is_an_error()
    {
        // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): never an address of this machine.
        Assert.ThrowsAny<SocketException>(() => PortProbe.FindFreePort("203.0.113.7"));
    }

    [Fact]
    public async Task Launch_on_a_foreign_master_address_without_a_port_is_a_usage_error()
    {
        CliResult result = await LaunchRunner.RunAsync("launch", "--nproc-per-node", "1", "--master-addr", "203.0.113.7", "--", "/bin/true");

        result.AssertUsageError("--master-addr 203.0.113.7: cannot pick a free port there");
    }
}
