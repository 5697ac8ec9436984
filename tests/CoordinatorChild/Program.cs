using System.Globalization;
using RingAttention.Distributed.Coordination;

// One rank of a coordinator test job, in a process the test can kill.
// Arguments: rank worldSize port jobId fingerprint payloadHex.
// Prints "joined <payload hex>" once the job formed, then waits until its coordinator reports a failure, its parent
// closes stdin, or a minute passes (so it never outlives a test run for long), prints "failure <kind> <rank>" or
// "left", and leaves.
if (args.Length != 6)
{
    Console.Error.WriteLine("usage: CoordinatorChild rank worldSize port jobId fingerprint payloadHex");
    return 2;
}

int rank = int.Parse(args[0], CultureInfo.InvariantCulture);
int worldSize = int.Parse(args[1], CultureInfo.InvariantCulture);
int port = int.Parse(args[2], CultureInfo.InvariantCulture);
var options = new CoordinatorOptions
{
    JoinTimeout = TimeSpan.FromSeconds(30),
    HeartbeatInterval = TimeSpan.FromMilliseconds(100),
    PeerTimeout = TimeSpan.FromSeconds(1),
    LeaveTimeout = TimeSpan.FromSeconds(2),
};

using RankCoordinator coordinator = RankCoordinator.Join(rank, worldSize, "127.0.0.1", port, args[3], Convert.FromHexString(args[5]), args[4], options);
Console.Out.WriteLine($"joined {Convert.ToHexString(coordinator.RootPayload.Span)}");
Console.Out.Flush();

using var stdinClosed = new ManualResetEventSlim();
new Thread(() =>
{
    _ = Console.In.ReadToEnd();
    stdinClosed.Set();
})
{ IsBackground = true }.Start();
_ = WaitHandle.WaitAny([coordinator.Failed.WaitHandle, stdinClosed.WaitHandle], TimeSpan.FromMinutes(1));

RankFailure? failure = coordinator.Failure;
Console.Out.WriteLine(failure is null ? "left" : $"failure {failure.Kind} {failure.Rank}");
Console.Out.Flush();
return 0;
