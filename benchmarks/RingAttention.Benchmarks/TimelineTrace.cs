using System.Globalization;
using RingAttention.Cuda;

namespace RingAttention.Benchmarks;

/// <summary>
/// Records one forward and one backward of a dual-chunk causal ring of 4 virtual ranks with CUDA timing events and
/// writes them as Chrome traces (chrome://tracing, Perfetto), so that one can see whether each rank's transfers run
/// beside its compute. Prints each rank's compute, transfer and hidden share.
/// </summary>
internal static class TimelineTrace
{
    public static IReadOnlyList<string> Write(string output, string cardSlug, CaseCatalog.Size size)
    {
        int sequence = size == CaseCatalog.Size.Smoke ? 1024 : 65536;
        var problem = new RingProblem
        {
            BatchSize = 1, SequenceLength = sequence, QueryHeads = 16, KeyValueHeads = 16, HeadDim = 128,
            RingSize = 4, Mask = AttentionMask.Causal, Balance = LoadBalancing.DualChunk,
        };
        Directory.CreateDirectory(output);
        var files = new List<string>();
        using var runner = new AttentionRunners.RingRunner(problem, AttentionRunners.Context, recordTimeline: true);
        foreach ((string pass, Action run) in new (string, Action)[] { ("forward", runner.Forward), ("backward", runner.Backward) })
        {
            run();
            runner.Synchronize();
            RingTimeline timeline = runner.ReadTimeline();
            string path = Path.Combine(output, Text($"{cardSlug}-trace-n4-{pass}.json"));
            using (FileStream file = File.Create(path))
            {
                timeline.WriteChromeTrace(file);
            }

            files.Add(path);
            Console.WriteLine(Text($"trace {pass}, N=4 dual-chunk causal S={sequence} H=16 D=128 bf16 (virtual ranks sharing one GPU):"));
            for (int rank = 0; rank < problem.RingSize; rank++)
            {
                Console.WriteLine(Text(
                    $"  rank {rank}: compute {timeline.ComputeMicroseconds(rank) / 1000:0.000} ms, transfers {timeline.TransferMicroseconds(rank) / 1000:0.000} ms, {timeline.HiddenTransferShare(rank):P0} of transfer time beside compute"));
            }
        }

        return files;
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
